// The stored state of the nodes a batch is about to write: decides created/updated/unchanged.
UNWIND $keys AS k
MATCH (n:Entity {key: k})
RETURN n.key AS key, n.kind AS kind, properties(n) AS props
