// The relations among the entities with the given keys.
UNWIND $keys AS k
MATCH (a:Entity {key: k})-[r]->(b:Entity)
WHERE b.key IN $keys
RETURN a.key AS start, type(r) AS type, b.key AS end, properties(r) AS props
