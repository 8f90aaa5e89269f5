// People of the organisation that owns a membership of the given entities: the contact behind the owner.
// The pattern starts at the indexed key: ArcadeDB expands from the first node as written.
UNWIND $keys AS k
MATCH (e:Entity {key: k})<-[own:OWNS_MEMBERSHIP]-(o:Entity)
MATCH (o)<-[r:WORKS_FOR|HOLDS_ROLE]-(p:Entity)
WHERE p:Person
RETURN e.key AS target, p.key AS key, p.name_fi AS name_fi, p.name_en AS name_en, p.name_sv AS name_sv,
       p.title_fi AS title_fi, p.title_en AS title_en, type(r) AS type, properties(r) AS props,
       o.key AS via, own.since AS via_since, own.until AS via_until, own.basis AS via_basis
