// Every entity, for a networkx snapshot of the whole graph.
MATCH (n:Entity)
RETURN properties(n) AS props
