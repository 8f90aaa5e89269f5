// One hop of a breadth-first expansion: the relations of a set of entities.
UNWIND $keys AS k
MATCH (n:Entity {key: k})-[r]-(m:Entity)
RETURN startNode(r).key AS start, endNode(r).key AS end, type(r) AS type, m.key AS other, m.kind AS other_kind,
       r.since AS since, r.until AS until
