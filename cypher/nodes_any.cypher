// Whether the graph holds any entity: into an empty graph, a write's keys need no existence check.
MATCH (n:Entity)
RETURN n.key AS key
LIMIT 1
