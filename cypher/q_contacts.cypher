// People linked directly to an entity or a theme, with how they are linked.
MATCH (p:Person)-[r:WORKS_FOR|CONTACT_FOR|OWNS_MEMBERSHIP|HOLDS_ROLE]->(e:Entity {key: $key})
RETURN p.key AS key, p.name_fi AS name_fi, p.name_en AS name_en, p.title_fi AS title_fi, p.title_en AS title_en,
       type(r) AS type, properties(r) AS props, null AS via
