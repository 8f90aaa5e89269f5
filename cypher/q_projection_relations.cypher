// The relations starting at the given entities, with what a hop and a neighbourhood answer need
// (questions.projection reads them in chunks of keys, so no statement runs long on a large graph).
UNWIND $keys AS k
MATCH (a:Entity {key: k})-[r]->(b:Entity)
RETURN a.key AS start, b.key AS end, type(r) AS type, r.key AS key, r.role AS role, r.basis AS basis,
       r.since AS since, r.until AS until
