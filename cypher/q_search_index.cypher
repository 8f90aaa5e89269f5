// Names and aliases of every entity, for the in-memory search index (questions/search.py).
MATCH (n:Entity)
RETURN n.key AS key, n.kind AS kind, n.name_fi AS name_fi, n.name_en AS name_en, n.name_sv AS name_sv, n.aliases AS aliases
