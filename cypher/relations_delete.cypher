// Delete relations identified by their endpoints and key.
UNWIND $rows AS row
MATCH (a:Entity {key: row.start})-[r]-(b:Entity {key: row.end})
WHERE r.key = row.key
DELETE r
RETURN row.key AS key
