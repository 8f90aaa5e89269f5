// People who lead, work for or hold a role in a unit that coordinates the home city's international
// relations (COORDINATES): the leading unit, the contact rule's last step (questions/contacts.py).
// The pattern starts at the indexed key: ArcadeDB expands from the first node as written.
MATCH (h:Entity {key: $home})<-[co:COORDINATES]-(o:Entity)
MATCH (o)<-[r:LEADS|WORKS_FOR|HOLDS_ROLE]-(p:Entity)
WHERE p:Person
RETURN $home AS target, p.key AS key, p.name_fi AS name_fi, p.name_en AS name_en, p.name_sv AS name_sv,
       p.title_fi AS title_fi, p.title_en AS title_en, type(r) AS type, properties(r) AS props,
       o.key AS via, co.since AS via_since, co.until AS via_until, co.basis AS via_basis
