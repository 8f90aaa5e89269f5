// Take the write lock of nodes before reading them, so that a precondition (If-Match) checked on
// what is read still holds at commit: Neo4j locks on write, and ArcadeDB fails the later commit.
UNWIND $keys AS k
MATCH (n:Entity {key: k})
SET n.partnergraph_lock = true
REMOVE n.partnergraph_lock
