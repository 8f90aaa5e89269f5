// Each requested theme with every theme below it (SUBTHEME_OF, any depth).
UNWIND $themes AS t
MATCH (root:Theme {key: t})
OPTIONAL MATCH (sub:Theme)-[:SUBTHEME_OF*1..6]->(root)
RETURN root.key AS theme, collect(DISTINCT sub.key) AS subthemes
