// Run inside every write transaction: the counter moves exactly when a write commits. The token
// (new for each write) keeps two concurrent bumps to the same value distinguishable. The load lease
// comes back with it: while a staged load holds it, other writes roll back (graph/staged.py).
MERGE (m:Meta {key: 'generation'})
SET m.value = coalesce(m.value, 0) + 1, m.token = $token
RETURN m.value AS value, m.load AS load, m.load_owner AS owner, m.load_beat AS beat, m.load_state AS state
