// People of the organisation that owns an entity's membership: the contact behind the owner.
MATCH (o:Entity)-[:OWNS_MEMBERSHIP]->(e:Entity {key: $key})
MATCH (p:Person)-[r:WORKS_FOR|HOLDS_ROLE]->(o)
RETURN p.key AS key, p.name_fi AS name_fi, p.name_en AS name_en, p.title_fi AS title_fi, p.title_en AS title_en,
       type(r) AS type, properties(r) AS props, o.key AS via
