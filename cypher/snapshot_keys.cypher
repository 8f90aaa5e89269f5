// The entities with the given keys, each with its relations to the others (one read: one state).
UNWIND $keys AS k
MATCH (n:Entity {key: k})
RETURN
  properties(n) AS props,
  [(n)-[r]->(b:Entity) WHERE b.key IN $keys | {type: type(r), end: b.key, props: properties(r)}] AS out
