"""Questions: named Cypher reads and networkx analytics over the store."""
