// One entity's stored properties (contact cards are separate nodes and never read here).
MATCH (n:Entity {key: $key})
RETURN properties(n) AS props
