// Personal contact fields: read only for callers allowed to see them.
UNWIND $keys AS k
MATCH (p:Entity {key: k})-[:HAS_CONTACT]->(c:ContactCard)
RETURN p.key AS key, c.email AS email, c.phone AS phone
