// Every entity's key and kind: the nodes of the in-memory projection (questions.projection).
MATCH (n:Entity)
RETURN n.key AS key, n.kind AS kind
