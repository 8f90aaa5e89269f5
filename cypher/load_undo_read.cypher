// The undo records of one chunk of a staged load.
MATCH (u:LoadUndo)
WHERE u.partnergraph_load = $load AND u.partnergraph_seq = $seq
RETURN properties(u) AS props
