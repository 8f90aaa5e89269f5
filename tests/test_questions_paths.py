"""Paths against a reference: networkx on the whole snapshot, filtered the plain way.

`questions.paths` walks the projection's arrays (`questions.shortest`: a bidirectional search, then
the layers of every shortest path) and filters while it walks; the reference filters a snapshot of
everything and asks networkx for all shortest paths. On a random graph with dated relations both
must agree, for every filter, on ArcadeDB and on Neo4j; with 1,600 shortest paths, the answer is
still the first ones of all of them in key order.
"""

from __future__ import annotations

import datetime as dt
import random

import networkx as nx
import pytest
from test_questions_support import SCHEMA

from graph.model import Batch, RelationRecord, parse_node, parse_relation
from graph.store import GraphStore
from questions.paths import paths

KINDS = ["City", "Organisation", "Network", "Initiative", "Theme"]
# (type, initials of the kinds it may start from, initials of the kinds it may end at)
RULES = [
    ("PARTNER_OF", "CON", "CON"),
    ("MEMBER_OF", "CO", "N"),
    ("PARTICIPATES_IN", "CON", "I"),
    ("TOUCHES", "CONI", "T"),
]
DAYS = [None, dt.date(2015, 1, 1), dt.date(2020, 1, 1)]


@pytest.fixture
def random_graph(store: GraphStore) -> GraphStore:
    rng = random.Random(11)
    keys = {f"{kind.lower()}-{i}": kind for kind in KINDS for i in range(8)}
    nodes = [parse_node(SCHEMA, {"key": k, "kind": kind, "name_en": k}, "t") for k, kind in keys.items()]
    by_initial: dict[str, list[str]] = {}
    for key, kind in keys.items():
        by_initial.setdefault(kind[0], []).append(key)
    relations: dict[str, RelationRecord] = {}
    while len(relations) < 90:
        rel_type, starts, ends = rng.choice(RULES)
        start = rng.choice([k for initial in starts for k in by_initial[initial]])
        end = rng.choice([k for initial in ends for k in by_initial[initial]])
        if start == end:
            continue
        raw = {"start": start, "type": rel_type, "end": end}
        if rng.random() < 0.3:
            raw["since" if rng.random() < 0.5 else "until"] = rng.choice(["2012-01-01", "2018-01-01"])
        rel = parse_relation(SCHEMA, raw, "t")
        relations[rel.key] = rel
    store.apply(Batch(nodes, list(relations.values())))
    return store


def reference(
    store: GraphStore, start: str, end: str, max_hops: int, kinds: set[str], types: set[str], as_of: dt.date | None
) -> list[list[str]]:
    snapshot = store.snapshot(as_of=as_of)
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(k for k, d in snapshot.nodes(data=True) if d["kind"] not in kinds or k in (start, end))
    graph.add_edges_from(
        (u, v) for u, v, d in snapshot.edges(data=True) if d["type"] not in types and u in graph and v in graph
    )
    try:
        found = sorted(nx.all_shortest_paths(graph, start, end))
    except nx.NetworkXNoPath:
        return []
    return found if len(found[0]) - 1 <= max_hops else []


def test_paths_agree_with_networkx_on_the_whole_graph(random_graph: GraphStore) -> None:
    rng = random.Random(3)
    keys = sorted(random_graph.snapshot().nodes)
    checked = connected = 0
    for _ in range(60):
        start, end = rng.sample(keys, 2)
        kinds = set(rng.sample(KINDS, rng.choice([0, 0, 1, 2])))
        types = set(rng.sample([r[0] for r in RULES], rng.choice([0, 0, 1])))
        max_hops, as_of = rng.choice([1, 2, 3, 4, 6]), rng.choice(DAYS)
        expected = reference(random_graph, start, end, max_hops, kinds, types, as_of)
        answer = paths(
            random_graph, start, end, max_hops=max_hops, avoid_kinds=kinds, avoid_types=types, limit=100, as_of=as_of
        )
        got = [[n.key for n in p.nodes] for p in answer.paths]
        assert got == expected, (start, end, max_hops, kinds, types, as_of)
        assert answer.hops == (len(expected[0]) - 1 if expected else None)
        for path in answer.paths:
            for step in path.steps:
                assert not set(step.types) & types and step.relations
                assert all(r.type not in types for r in step.relations)
        checked += 1
        connected += bool(expected)
    assert checked == 60 and 10 < connected < 60  # the sample exercised both outcomes


def test_limit_keeps_the_first_paths_in_key_order(random_graph: GraphStore) -> None:
    keys = sorted(random_graph.snapshot().nodes)
    for start, end in zip(keys, reversed(keys), strict=False):
        every = paths(random_graph, start, end, max_hops=6, limit=100)
        if len(every.paths) > 2:
            two = paths(random_graph, start, end, max_hops=6, limit=2)
            assert two.paths == every.paths[:2] and two.more
            return
    pytest.fail("no pair with several shortest paths in the random graph")


def test_thousands_of_shortest_paths_give_the_first_in_key_order(store: GraphStore) -> None:
    """A start, two layers of 40 organisations each fully linked, an end: 1,600 shortest paths.
    The answer is the first ones of all of them sorted, not of some of them, and `more` says so."""
    first = [f"a-{i:02d}" for i in range(40)]
    second = [f"b-{i:02d}" for i in range(40)]
    keys = ["start", *first, *second, "end"]
    nodes = [parse_node(SCHEMA, {"key": k, "kind": "Organisation", "name_en": k}, "t") for k in keys]
    pairs = [("start", a) for a in first] + [(a, b) for a in first for b in second] + [(b, "end") for b in second]
    rels = [parse_relation(SCHEMA, {"start": s, "type": "PARTNER_OF", "end": e}, "t") for s, e in pairs]
    store.apply(Batch(nodes, rels))
    graph: nx.Graph[str] = nx.Graph(pairs)
    every = sorted(nx.all_shortest_paths(graph, "start", "end"))
    assert len(every) == 1_600
    for limit in (1, 7, 100):
        for in_database in (False, True):
            answer = paths(store, "start", "end", max_hops=4, limit=limit, in_database=in_database)
            assert [[n.key for n in p.nodes] for p in answer.paths] == every[:limit]
            assert answer.hops == 3 and answer.more
    # From the end, the walk meets in the middle from the other side: still the first in key order.
    back = sorted(nx.all_shortest_paths(graph, "end", "start"))
    answer = paths(store, "end", "start", max_hops=3, limit=5)
    assert [[n.key for n in p.nodes] for p in answer.paths] == back[:5]
