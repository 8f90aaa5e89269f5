"""The power-user console runs only reads: the guard refuses, and the server's own lock holds too."""

from __future__ import annotations

import pytest
from test_store_contract import seed, state

from graph.bolt import BoltStore
from graph.readonly import ReadOnlyRefused, check_readonly
from graph.store import GraphStore, StoreError, console_of

REFUSED = [
    "CREATE (n:Entity {key: 'x'})",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) DELETE n",
    "MATCH (n:Entity) SET n.name_en = 'pwned'",
    "MATCH (n:Entity) REMOVE n.name_en",
    "MERGE (n:Entity {key: 'x'}) RETURN n",
    "MATCH (n:City) SET n:Network",
    "UNWIND range(1, 10) AS i CREATE (:Entity {key: toString(i)})",
    "MATCH (n) FOREACH (x IN [1] | SET n.x = x)",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "load csv with headers from 'http://example.org/x.csv' as row return row",
    "CREATE CONSTRAINT evil IF NOT EXISTS FOR (n:City) REQUIRE n.name_en IS UNIQUE",
    "CREATE INDEX evil IF NOT EXISTS FOR (n:City) ON (n.name_en)",
    "DROP CONSTRAINT entity_key",
    "DROP INDEX entity_key",
    "CREATE USER mallory SET PASSWORD 'secret'",
    "ALTER USER root SET PASSWORD 'x'",
    "GRANT ROLE admin TO mallory",
    "DENY READ {*} ON GRAPH * TO reader",
    "REVOKE ROLE admin FROM root",
    "SHOW USERS",
    "SHOW DATABASES",
    "CREATE DATABASE evil",
    "STOP DATABASE graph",
    "START DATABASE graph",
    "TERMINATE TRANSACTIONS 'x'",
    "USE system SHOW USERS",
    "CALL dbms.security.createUser('m', 'p', false)",
    "CALL apoc.load.json('file:///etc/passwd')",
    "CALL db.index.fulltext.createNodeIndex('x', ['City'], ['name_en'])",
    "CALL dbms.killQueries(['1'])",
    "RETURN apoc.text.join(['a'], ',')",
    "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS",
    "MATCH (n) RETURN n; MATCH (m) DETACH DELETE m",
    "EXPLAIN MATCH (n) RETURN n",
    "PROFILE MATCH (n) RETURN n",
    "MATCH (n) WITH n /* comment */ DETACH DELETE n",
    "match (n) detach delete n",
    ":param x => 1",
    "",
    "   ",
    "RETURN 1\x00",
    "RETURN '" + "x" * 10_001 + "'",
]


@pytest.mark.parametrize("query", REFUSED, ids=range(len(REFUSED)))
def test_guard_refuses_writes_schema_admin_and_file_access(query: str) -> None:
    with pytest.raises(ReadOnlyRefused):
        check_readonly(query)


ALLOWED = [
    "MATCH (n:Entity) RETURN n.key ORDER BY n.key",
    "MATCH (n:Entity {name_en: 'CREATE (x)'}) RETURN n",  # keywords inside strings are data
    "MATCH (a)-[r]->(b) WHERE type(r) = 'MEMBER_OF' RETURN a.key, b.key",
    "// MERGE in a comment\nMATCH (n) RETURN count(n) AS n",
    "CALL db.labels()",
    "MATCH (n:Entity) CALL { WITH n MATCH (n)--(m) RETURN count(m) AS degree } RETURN n.key, degree",
    "RETURN 1;",
]


@pytest.mark.parametrize("query", ALLOWED, ids=range(len(ALLOWED)))
def test_guard_lets_reads_through(query: str) -> None:
    check_readonly(query)


def test_refused_statements_leave_the_graph_unchanged(store: GraphStore) -> None:
    seed(store)
    before = state(store)
    for query in REFUSED:
        with pytest.raises(ReadOnlyRefused):
            console_of(store).run_readonly(query)
    assert state(store) == before


def test_reads_run_with_a_row_cap(store: GraphStore) -> None:
    seed(store)
    result = console_of(store).run_readonly("MATCH (n:Entity) RETURN n.key AS key ORDER BY key", max_rows=2)
    assert result.rows == [{"key": "c40"}, {"key": "climate"}] and result.truncated
    full = console_of(store).run_readonly("MATCH (n:Entity {key: $key}) RETURN n", {"key": "helsinki"})
    assert full.rows[0]["n"]["properties"]["name_fi"] == "Helsinki" and not full.truncated


# What each server's own locks let through when the guard is bypassed: nothing that writes, changes
# the schema or reads a file. ArcadeDB's read-only user may still list databases and name-check
# transactions, and runs EXPLAIN/PROFILE and apoc text functions; Neo4j's READ transactions and
# EXPLAIN's query type refuse all but EXPLAIN. The guard refuses every one of these anyway.
PAST_THE_GUARD = {
    "arcadedb": {
        "SHOW DATABASES",
        "TERMINATE TRANSACTIONS 'x'",
        "RETURN apoc.text.join(['a'], ',')",
        "EXPLAIN MATCH (n) RETURN n",
        "PROFILE MATCH (n) RETURN n",
        "RETURN 1\x00",
    },
    "neo4j": {"EXPLAIN MATCH (n) RETURN n"},
}


def test_the_server_refuses_writes_even_past_the_guard(store: GraphStore) -> None:
    """The second and third locks, without the first: each statement goes straight to the server."""
    seed(store)
    before = state(store)
    assert isinstance(store, BoltStore)
    let_through = set()
    for query in REFUSED:
        if not query.strip() or len(query) > 5_000:
            continue  # the driver's own checks, not the server's
        try:
            store._run_under_server_locks(query, None, timeout_s=10, max_rows=10)
        except (ReadOnlyRefused, StoreError):
            continue
        let_through.add(query)
    assert let_through == PAST_THE_GUARD[store.info().backend]
    assert state(store) == before
