// The stored properties of the entities with the given keys, each with every relation (the other end's
// key, kind and names) as one list: a key resolves and reads in one statement, so the answer is one
// state and its ETag the version of what it shows. Contact cards are separate nodes, never read here.
// Relations are ordered by the caller: an ORDER BY here tripled ArcadeDB's CPU for a hub.
UNWIND $keys AS k
MATCH (n:Entity {key: k})
RETURN properties(n) AS props,
       [(n)-[r]-(m:Entity) | [type(r), startNode(r).key, m.key, m.kind, m.name_fi, m.name_en, m.name_sv, properties(r)]]
         AS relations
