// The change counter every write bumps in its own transaction: one indexed read tells any process
// whether the graph moved since it last looked (caches key on it). The load lease comes with it, so
// that a reader notices an abandoned staged load (graph/staged.py) and rolls it back first.
MATCH (m:Meta {key: 'generation'})
RETURN m.value AS value, m.token AS token, m.load AS load, m.load_owner AS owner, m.load_beat AS beat,
       m.load_state AS state
