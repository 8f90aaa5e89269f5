"""Maps: a networkx subgraph in, a self-contained interactive HTML page out."""
