// The contact rule's first two steps in one read (questions/contacts.py applies the rule):
// `self`: the entities with the given keys (their kind in `type`), so that a key resolves in this
// read; `direct`: people linked to them; `membership_owner`: people of the organisation owning a
// membership of them. The last step (q_contacts_via_coordinator) is read only when these find no
// one: in this read it cost ArcadeDB about 1 ms a call.
// Each pattern starts at the indexed key: ArcadeDB expands from the first node as written.
UNWIND $keys AS k
MATCH (e:Entity {key: k})
RETURN 'self' AS step, e.key AS target, e.key AS key, e.name_fi AS name_fi, e.name_en AS name_en,
       e.name_sv AS name_sv, null AS title_fi, null AS title_en, e.kind AS type,
       null AS props, null AS via, null AS via_since, null AS via_until, null AS via_basis
UNION ALL
UNWIND $keys AS k
MATCH (e:Entity {key: k})<-[r:WORKS_FOR|CONTACT_FOR|OWNS_MEMBERSHIP|HOLDS_ROLE]-(p:Entity)
WHERE p:Person
RETURN 'direct' AS step, e.key AS target, p.key AS key, p.name_fi AS name_fi, p.name_en AS name_en,
       p.name_sv AS name_sv, p.title_fi AS title_fi, p.title_en AS title_en, type(r) AS type,
       properties(r) AS props, null AS via, null AS via_since, null AS via_until, null AS via_basis
UNION ALL
UNWIND $keys AS k
MATCH (e:Entity {key: k})<-[own:OWNS_MEMBERSHIP]-(o:Entity)
MATCH (o)<-[r:WORKS_FOR|HOLDS_ROLE]-(p:Entity)
WHERE p:Person
RETURN 'membership_owner' AS step, e.key AS target, p.key AS key, p.name_fi AS name_fi, p.name_en AS name_en,
       p.name_sv AS name_sv, p.title_fi AS title_fi, p.title_en AS title_en, type(r) AS type,
       properties(r) AS props, o.key AS via, own.since AS via_since, own.until AS via_until,
       own.basis AS via_basis
