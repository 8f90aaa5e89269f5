// Remove up to $limit nodes (and their relations); called until it returns 0. The change counter
// stays: clearing is a write like any other and bumps it.
MATCH (n)
WHERE NOT n:Meta
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
