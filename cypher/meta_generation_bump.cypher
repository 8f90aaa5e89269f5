// Run inside every write transaction: the counter moves exactly when a write commits. The token
// (new for each write) keeps two concurrent bumps to the same value distinguishable.
MERGE (m:Meta {key: 'generation'})
SET m.value = coalesce(m.value, 0) + 1, m.token = $token
RETURN m.value AS value
