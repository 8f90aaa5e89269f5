// Add provenance (e.g. mentions found in a document) to existing nodes, without duplicates.
UNWIND $rows AS row
MATCH (n:Entity {key: row.key})
SET n.sources = coalesce(n.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(n.sources, [])]
