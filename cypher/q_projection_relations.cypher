// Every relation between entities with what a breadth-first hop needs (questions.projection).
MATCH (a:Entity)-[r]->(b:Entity)
RETURN a.key AS start, b.key AS end, type(r) AS type, r.since AS since, r.until AS until
