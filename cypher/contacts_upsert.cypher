// Personal contact fields live on a separate node that only the contacts questions read.
UNWIND $rows AS row
MATCH (p:Entity {key: row.key})
MERGE (c:ContactCard {key: row.key})
SET c += row.props
MERGE (p)-[:HAS_CONTACT]->(c)
