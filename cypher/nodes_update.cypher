// Update existing nodes; properties are merged, sources accumulate instead of being replaced.
UNWIND $rows AS row
MATCH (n:Entity {key: row.key})
SET n += row.props
SET n.sources = coalesce(n.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(n.sources, [])]
