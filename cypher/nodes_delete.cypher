// Delete nodes with their relations and contact cards.
UNWIND $keys AS k
MATCH (n:Entity {key: k})
OPTIONAL MATCH (n)-[:HAS_CONTACT]->(c:ContactCard)
DETACH DELETE c, n
