// Drop the undo records of one chunk: its load committed, or the chunk was rolled back.
MATCH (u:LoadUndo)
WHERE u.partnergraph_load = $load AND u.partnergraph_seq = $seq
DELETE u
