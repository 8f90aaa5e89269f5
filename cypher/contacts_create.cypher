// Contact cards of persons created in the same write (no card can exist yet): CREATE, no MERGE.
UNWIND $rows AS row
MATCH (p:Entity {key: row.key})
CREATE (p)-[:HAS_CONTACT]->(c:ContactCard)
SET c = row.props
