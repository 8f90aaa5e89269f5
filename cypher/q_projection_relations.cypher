// Every relation between entities with what a hop and a neighbourhood answer need (questions.projection).
MATCH (a:Entity)-[r]->(b:Entity)
RETURN a.key AS start, b.key AS end, type(r) AS type, r.key AS key, r.role AS role, r.basis AS basis,
       r.since AS since, r.until AS until
