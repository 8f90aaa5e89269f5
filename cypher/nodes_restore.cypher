// Roll back a staged load: put back the properties a node had before the load changed it.
UNWIND $rows AS row
MATCH (n:Entity {key: row.key})
SET n = row.props
