// The end of a staged load, committed or rolled back: other writes may go on.
MATCH (m:Meta {key: 'generation'})
WHERE m.load = $load
REMOVE m.load, m.load_owner, m.load_beat, m.load_state
RETURN m.key AS key
