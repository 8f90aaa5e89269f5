// Who works on which of the given themes, and through which relation.
MATCH (e:Entity)-[r:TOUCHES|KEY_ACTOR_FOR|LEADS]->(t:Theme)
WHERE t.key IN $themes
RETURN e.key AS key, e.kind AS kind, e.name_fi AS name_fi, e.name_en AS name_en, t.key AS theme,
       type(r) AS type, properties(r) AS props
