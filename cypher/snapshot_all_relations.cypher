// Every relation between entities (contact cards are not entities).
MATCH (a:Entity)-[r]->(b:Entity)
RETURN a.key AS start, type(r) AS type, b.key AS end, properties(r) AS props
