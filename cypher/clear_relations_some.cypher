// Remove up to $limit relations; clear() calls it until it returns 0, then removes the nodes:
// a hub deleted with its thousands of relations in one go ran past both servers' limits at 10^5
// nodes (ArcadeDB's command timeout, Neo4j's transaction memory).
MATCH ()-[r]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
