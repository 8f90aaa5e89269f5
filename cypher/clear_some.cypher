// Remove up to $limit nodes (and their relations); called until it returns 0.
MATCH (n)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
