// The change counter every write bumps in its own transaction: one indexed read tells any process
// whether the graph moved since it last looked (caches key on it).
MATCH (m:Meta {key: 'generation'})
RETURN m.value AS value, m.token AS token
