// Every relation of one entity, with the other end's name and kind (ordered by the caller: an
// ORDER BY here tripled ArcadeDB's CPU for a hub's relations).
MATCH (n:Entity {key: $key})-[r]-(m:Entity)
RETURN type(r) AS type, startNode(r).key AS start, m.key AS other, m.kind AS other_kind,
       m.name_fi AS other_name_fi, m.name_en AS other_name_en, m.name_sv AS other_name_sv, properties(r) AS props
