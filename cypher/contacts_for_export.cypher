// Personal contact fields of every person, only for an export that asks for them (--include-contacts).
MATCH (p:Entity:Person)-[:HAS_CONTACT]->(c:ContactCard)
RETURN p.key AS key, c.email AS email, c.phone AS phone
