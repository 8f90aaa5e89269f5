"""The benchmark generator is seeded, schema-valid and has the intended shape (no database needed)."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

import pytest

from bench.generate import generate
from graph.model import NodeRecord, RelationRecord, check_batch, parse_node, parse_relation
from graph.schema import load_schema


@pytest.fixture(scope="module")
def graph() -> Any:
    return generate(2_000, seed=7)


def raw_node(node: NodeRecord) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "key": node.key,
        "kind": node.kind,
        "name_fi": node.name_fi,
        "name_en": node.name_en,
        "aliases": list(node.aliases),
        **node.properties,
        **node.personal,
        "sources": [s.model_dump(exclude_none=True) for s in node.sources],
    }
    return raw


def raw_relation(rel: RelationRecord) -> dict[str, Any]:
    return {
        "start": rel.start,
        "type": rel.type,
        "end": rel.end,
        "since": rel.since,
        "until": rel.until,
        "role": rel.role,
        "basis": rel.basis,
        "note": rel.note,
        "sources": [s.model_dump(exclude_none=True) for s in rel.sources],
    }


def test_same_seed_same_graph_other_seed_other_graph(graph: Any) -> None:
    again = generate(2_000, seed=7)
    assert again.batch.nodes == graph.batch.nodes
    assert again.batch.relations == graph.batch.relations
    other = generate(2_000, seed=8)
    assert other.batch.relations != graph.batch.relations


def test_records_are_what_the_validating_parsers_produce(graph: Any) -> None:
    schema = load_schema()
    for i, node in enumerate(graph.batch.nodes):
        assert parse_node(schema, raw_node(node), f"node {i}") == node
    for i, rel in enumerate(graph.batch.relations):
        assert parse_relation(schema, raw_relation(rel), f"relation {i}") == rel
    checked, errors = check_batch(schema, graph.batch, {})
    assert errors == []
    assert len(checked.nodes) == len(graph.batch.nodes)  # no duplicate keys
    assert len(checked.relations) == len(graph.batch.relations)


def test_shape(graph: Any) -> None:
    schema = load_schema()
    assert graph.nodes == 2_000
    assert 3 <= graph.relations / graph.nodes <= 10
    kinds = Counter(n.kind for n in graph.batch.nodes)
    assert set(kinds) == set(schema.node_kinds)
    assert kinds["Person"] > kinds["Organisation"] > kinds["City"] > kinds["Network"]
    assert set(Counter(r.type for r in graph.batch.relations)) == set(schema.relation_types)
    # Cities are grouped in countries and regions; themes have sub-themes; people have contact data.
    cities = [n for n in graph.batch.nodes if n.kind == "City"]
    assert len({c.properties["country"] for c in cities}) >= 5
    assert len({c.properties["region"] for c in cities}) >= 5
    assert any(n.properties.get("theme_type") == "subtheme" for n in graph.batch.nodes)
    assert any(n.personal.get("email") for n in graph.batch.nodes)
    # Heavy tails: hubs far above the median degree, and big networks.
    degree: Counter[str] = Counter()
    for rel in graph.batch.relations:
        degree[rel.start] += 1
        degree[rel.end] += 1
    assert max(degree.values()) > 20 * statistics.median(degree.values())
    members = Counter(r.end for r in graph.batch.relations if r.type == "MEMBER_OF")
    assert max(members.values()) >= 50


def test_sizes_scale() -> None:
    small = generate(1_000, seed=1)
    assert small.nodes == 1_000
    assert small.keys["City"][0] == "city-000000"
    assert small.words


def test_the_benchmarks_bulk_path_stores_what_apply_stores(embedded_server: Any, backends: Any) -> None:
    """bench/load.py's bulk path is only a fair comparison if it writes exactly the graph
    `store.apply` writes."""
    import neo4j

    from bench.common import Database
    from bench.load import bulk_create, write_cost

    backend = backends["arcadedb"]
    backend.contents = None
    store = backend.store
    graph = generate(300, seed=3)
    with neo4j.GraphDatabase.driver(store.uri, auth=embedded_server.auth) as driver:
        db = Database(server=None, store=store, driver=driver)
        store.clear()
        bulk_create(db, graph.batch, chunk=100)
        created = store.snapshot()
        cost = write_cost(db, graph.keys["Person"], rows=5)
        store.clear()
    store.apply(graph.batch)
    applied = store.snapshot()
    store.clear()
    assert cost["nodes_create"] > 0 and cost["nodes_update"] > 0
    assert dict(created.nodes(data=True)) == dict(applied.nodes(data=True))
    edges = {(u, v, k): d for u, v, k, d in created.edges(keys=True, data=True)}
    assert edges == {(u, v, k): d for u, v, k, d in applied.edges(keys=True, data=True)}
    assert created.number_of_nodes() == graph.nodes and created.number_of_edges() == graph.relations
