// Create relations known not to exist yet (checked in the same transaction).
UNWIND $rows AS row
MATCH (a:Entity {key: row.start})
MATCH (b:Entity {key: row.end})
CREATE (a)-[r:__REL__]->(b)
SET r = row.props
