// The entities with the given keys, each with its relations to the others: one read, so one state,
// and one row holding a list (the driver's cost is per record).
UNWIND $keys AS k
MATCH (n:Entity {key: k})
RETURN collect([
  properties(n),
  [(n)-[r]->(b:Entity) WHERE b.key IN $keys | [type(r), b.key, properties(r)]]
]) AS rows
