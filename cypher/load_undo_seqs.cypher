// The chunks of a staged load that committed (each left its undo records).
MATCH (u:LoadUndo)
WHERE u.partnergraph_load = $load
RETURN DISTINCT u.partnergraph_seq AS seq
