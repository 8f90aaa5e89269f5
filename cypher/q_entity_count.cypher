// How many entities there are: a constant-time count both servers answer from their statistics,
// used as a cheap generation check of the search index.
MATCH (n:Entity)
RETURN count(n) AS entities
