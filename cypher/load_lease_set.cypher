// Take the load lease, in the transaction that locked and read it (load_claim).
MATCH (m:Meta {key: 'generation'})
SET m.load = $load, m.load_owner = $owner, m.load_beat = $beat, m.load_state = $state
RETURN m.load AS load
