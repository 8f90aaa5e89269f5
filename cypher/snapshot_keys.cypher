// The entities with the given keys, each with its relations to the others: one read, so one state,
// and one row holding a list (the driver's cost is per record). The change counter is read after
// them, in the same statement: when it is the one a cached projection was built at, nothing had
// moved before these rows were read (a map's one read, questions/neighbourhood.py).
UNWIND $keys AS k
MATCH (n:Entity {key: k})
WITH collect([
  properties(n),
  [(n)-[r]->(b:Entity) WHERE b.key IN $keys | [type(r), b.key, properties(r)]]
]) AS rows
OPTIONAL MATCH (m:Meta {key: 'generation'})
RETURN rows, m.value AS value, m.token AS token, m.load AS load
