// In every chunk of a staged load: the lease must still be this load's and this owner's (a reader
// that judged it abandoned may have taken it over to roll the load back); renews its heartbeat.
MATCH (m:Meta {key: 'generation'})
WHERE m.load = $load AND m.load_owner = $owner
SET m.load_beat = $beat, m.load_state = $state
RETURN m.load AS load
