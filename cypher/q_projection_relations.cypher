// The relations starting at the given entities, with what a hop and a neighbourhood answer need
// (questions.projection reads them in chunks of keys, so no statement runs long on a large graph),
// as one row holding a list: the driver's cost is per record (4·10^5 relations: 19 -> 3.4 s of
// client CPU on ArcadeDB).
UNWIND $keys AS k
MATCH (a:Entity {key: k})-[r]->(b:Entity)
RETURN collect([a.key, b.key, type(r), r.key, r.role, r.basis, r.since, r.until]) AS rows
