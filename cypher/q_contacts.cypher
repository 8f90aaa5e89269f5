// People linked directly to the given entities or themes, with how they are linked.
// The pattern starts at the indexed key: ArcadeDB expands from the first node as written.
UNWIND $keys AS k
MATCH (e:Entity {key: k})<-[r:WORKS_FOR|CONTACT_FOR|OWNS_MEMBERSHIP|HOLDS_ROLE]-(p:Entity)
WHERE p:Person
RETURN e.key AS target, p.key AS key, p.name_fi AS name_fi, p.name_en AS name_en, p.name_sv AS name_sv,
       p.title_fi AS title_fi, p.title_en AS title_en, type(r) AS type, properties(r) AS props,
       null AS via, null AS via_since, null AS via_until, null AS via_basis
