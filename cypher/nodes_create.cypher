// Create nodes known not to exist yet (checked in the same transaction). CREATE, not MERGE:
// ArcadeDB does not use the key index for a two-label MERGE, which made loads quadratic.
UNWIND $rows AS row
CREATE (n:Entity:__Kind__)
SET n = row.props, n.sources = row.sources
