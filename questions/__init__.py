"""Questions: named Cypher reads and networkx analytics over the store.

One module per question, each a plain function `(store, …) -> pydantic model` that the API and
the CLI call: search, entity, partners (by themes), contacts, paths, neighbourhood, governance,
brokers, themes (overview, list), catalogue (kinds and relation types). Shared pieces: common
(references, errors, dates, parameter checks), reads (shared statements), expand (breadth-first
walks), text and search_index (the search engine). Every answer is sorted in Python, so Neo4j and
ArcadeDB, which return rows in different orders, give identical answers.
"""
