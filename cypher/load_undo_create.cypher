// What undoes one chunk of a staged load, written in the chunk's own transaction: the keys it
// created, and the stored properties of each record it changed as they were before.
UNWIND $rows AS row
CREATE (u:LoadUndo)
SET u = row
