// Every entity's key, kind, names and aliases: the nodes of the in-memory projection
// (questions.projection) and the texts of the search index (questions/search.py), as one row
// holding a list: the driver's cost is per record (10^5 entities: 4.7 -> 1.1 s on ArcadeDB).
MATCH (n:Entity)
RETURN collect([n.key, n.kind, n.name_fi, n.name_en, n.name_sv, n.aliases]) AS rows
