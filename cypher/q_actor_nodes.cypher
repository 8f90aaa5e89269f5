// Every entity that is not a theme, with just what a centrality ranking needs (no properties blob).
MATCH (n:Entity)
WHERE NOT n:Theme
RETURN n.key AS key, n.kind AS kind, n.name_fi AS name_fi, n.name_en AS name_en, n.name_sv AS name_sv
