// The stored contact cards of these persons: a staged load keeps them to roll back its changes.
UNWIND $keys AS k
MATCH (c:ContactCard {key: k})
RETURN c.key AS key, properties(c) AS props
