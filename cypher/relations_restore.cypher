// Roll back a staged load: put back the properties a relation had before the load changed it.
UNWIND $rows AS row
MATCH (a:Entity {key: row.start})-[r:__REL__]-(b:Entity {key: row.end})
WHERE r.key = row.key
SET r = row.props
