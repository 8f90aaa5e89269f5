// Number of relations per type between entities.
MATCH (:Entity)-[r]->(:Entity)
RETURN type(r) AS type, count(*) AS count
