// A staged load's first step: lock the change counter's node, then read the load lease it holds.
// The lock makes two loads claiming at once take turns (Neo4j waits; ArcadeDB fails one commit).
MERGE (m:Meta {key: 'generation'})
SET m.load_lock = true
REMOVE m.load_lock
RETURN m.load AS load, m.load_owner AS owner, m.load_beat AS beat, m.load_state AS state
