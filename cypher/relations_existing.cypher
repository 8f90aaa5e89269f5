// Stored relations among a batch's rows, matched in either direction by their key.
UNWIND $rows AS row
MATCH (a:Entity {key: row.start})-[r:__REL__]-(b:Entity {key: row.end})
WHERE r.key = row.key
RETURN r.key AS key, properties(r) AS props
