// Every entity's key, kind, names and aliases: the nodes of the in-memory projection (questions.projection).
MATCH (n:Entity)
RETURN n.key AS key, n.kind AS kind, n.name_fi AS name_fi, n.name_en AS name_en, n.name_sv AS name_sv, n.aliases AS aliases
