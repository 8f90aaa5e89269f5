// Every relation between two entities that are not themes, with its dates (for as_of).
MATCH (a:Entity)-[r]->(b:Entity)
WHERE NOT a:Theme AND NOT b:Theme
RETURN a.key AS start, b.key AS end, r.since AS since, r.until AS until
