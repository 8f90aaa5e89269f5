// Identity (key, kind, names) of the entities with the given keys.
UNWIND $keys AS k
MATCH (n:Entity {key: k})
RETURN n.key AS key, n.kind AS kind, n.name_fi AS name_fi, n.name_en AS name_en, n.name_sv AS name_sv
