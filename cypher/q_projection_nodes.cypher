// Every entity's key, kind, names and aliases: the nodes of the in-memory projection
// (questions.projection), as one row holding a list: the driver's cost is per record.
MATCH (n:Entity)
RETURN collect([n.key, n.kind, n.name_fi, n.name_en, n.name_sv, n.aliases]) AS rows
