// Relations of the given types ($types) from any entity into the given themes ($themes).
UNWIND $themes AS tk
MATCH (t:Entity {key: tk})<-[r]-(e:Entity)
WHERE t:Theme AND type(r) IN $types
RETURN e.key AS key, e.kind AS kind, e.name_fi AS name_fi, e.name_en AS name_en, e.name_sv AS name_sv,
       type(r) AS type, t.key AS theme, properties(r) AS props
