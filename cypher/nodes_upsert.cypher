// Idempotent upsert of one kind's nodes; sources accumulate instead of being replaced.
UNWIND $rows AS row
MERGE (n:Entity:__Kind__ {key: row.key})
SET n += row.props
SET n.sources = coalesce(n.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(n.sources, [])]
