// The stored properties of the entities with the given keys (contact cards are separate nodes and never read here).
UNWIND $keys AS k
MATCH (n:Entity {key: k})
RETURN properties(n) AS props
