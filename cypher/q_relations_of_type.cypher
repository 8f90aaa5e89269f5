// Every relation of one type (a schema-checked placeholder) with both ends' identity.
MATCH (a:Entity)-[r:__REL__]->(b:Entity)
RETURN a.key AS start_key, a.kind AS start_kind, a.name_fi AS start_name_fi, a.name_en AS start_name_en, a.name_sv AS start_name_sv,
       b.key AS end_key, b.kind AS end_kind, b.name_fi AS end_name_fi, b.name_en AS end_name_en, b.name_sv AS end_name_sv,
       properties(r) AS props
