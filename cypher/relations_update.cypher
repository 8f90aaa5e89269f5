// Update relations that already exist; sources accumulate.
UNWIND $rows AS row
MATCH (a:Entity {key: row.start})-[r:__REL__]-(b:Entity {key: row.end})
WHERE r.key = row.key
SET r += row.props
SET r.sources = coalesce(r.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(r.sources, [])]
