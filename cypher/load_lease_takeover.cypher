// Take over an abandoned load's lease to roll it back (or to finish it past its commit point).
MATCH (m:Meta {key: 'generation'})
WHERE m.load = $load
SET m.load_owner = $owner, m.load_beat = $beat
RETURN m.load_state AS state
