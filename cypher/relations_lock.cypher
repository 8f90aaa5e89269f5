// Take the write lock of relations before reading them (see nodes_lock).
UNWIND $rows AS row
MATCH (a:Entity {key: row.start})-[r:__REL__]-(b:Entity {key: row.end})
WHERE r.key = row.key
SET r.partnergraph_lock = true
REMOVE r.partnergraph_lock
