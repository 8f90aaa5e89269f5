// The entities with the given keys.
UNWIND $keys AS k
MATCH (n:Entity {key: k})
RETURN properties(n) AS props
