"""The in-memory projection against the plain reference: the database asked hop by hop.

`questions.expand.hop` answers from `questions.projection`; `hop(in_database=True)` runs `q_neighbours`.
On the Helsinki data and on a generated graph (hubs, dates), on ArcadeDB and on Neo4j, both give the
same rows for every entity, and the questions built on them (neighbourhood, paths) give the same
answers either way; a neighbourhood's JSON from plain data is its model's, byte for byte, also
when the entities and relations encoded once (questions/encoded.py) are dropped between answers. A write is
seen by the next hop; a built projection is left out of the cyclic collector.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import weakref
from collections import Counter
from typing import Any

import pytest
from test_questions_support import SCHEMA

from bench.generate import generate
from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore
from questions import encoded
from questions import expand as expand_module
from questions import neighbourhood as neighbourhood_module
from questions.expand import expand, hop
from questions.neighbourhood import answer_from_graph, neighbourhood
from questions.paths import paths
from questions.projection import projection

DAYS = [None, dt.date(2010, 1, 1), dt.date(2019, 6, 1), dt.date(2024, 1, 1)]


def rows(found: Any) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(sorted(row.items())) for row in found)


@pytest.fixture
def generated(store: GraphStore) -> tuple[GraphStore, Any]:
    graph = generate(400, seed=5)
    store.apply(graph.batch)
    return store, graph


def test_every_hop_is_the_databases_on_helsinki(helsinki_store: GraphStore) -> None:
    keys = sorted(helsinki_store.snapshot().nodes)
    for as_of in DAYS:
        for key in keys:
            assert rows(hop(helsinki_store, [key], as_of=as_of)) == rows(
                hop(helsinki_store, [key], as_of=as_of, in_database=True)
            ), (key, as_of)
    assert rows(hop(helsinki_store, keys)) == rows(hop(helsinki_store, keys, in_database=True))


def test_every_hop_is_the_databases_on_a_generated_graph(generated: tuple[GraphStore, Any]) -> None:
    store, graph = generated
    keys = [n.key for n in graph.batch.nodes]
    rng = random.Random(3)
    for key in keys:
        assert rows(hop(store, [key])) == rows(hop(store, [key], in_database=True)), key
    for _ in range(20):
        some = rng.sample(keys, 25)
        types = set(rng.sample(sorted(SCHEMA.relation_types), 2))
        as_of = rng.choice(DAYS)
        assert rows(hop(store, some, avoid_types=types, as_of=as_of)) == rows(
            hop(store, some, avoid_types=types, as_of=as_of, in_database=True)
        )


def test_questions_answer_the_same_from_the_projection_and_from_the_database(
    generated: tuple[GraphStore, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, graph = generated
    rng = random.Random(9)
    cities, people, orgs = graph.keys["City"], graph.keys["Person"], graph.keys["Organisation"]
    seeds = [cities[0], rng.choice(people), rng.choice(orgs)]
    pairs = [(rng.choice(people), rng.choice(cities)), (rng.choice(orgs), rng.choice(orgs)), (cities[0], people[0])]

    def answers() -> list[Any]:
        out: list[Any] = []
        for key in seeds:
            for depth in (1, 2):
                out.append(neighbourhood(store, [key], depth=depth, node_cap=150).answer)
            out.append(neighbourhood(store, [key], depth=2, kinds=["City", "Organisation"]).answer)
        for a, b in pairs:
            out.append(paths(store, a, b, max_hops=4))
            out.append(paths(store, a, b, max_hops=4, avoid_kinds=["Network"], as_of=dt.date(2019, 6, 1)))
        return out

    fast = answers()

    def hop_in_database(*args: Any, **options: Any) -> Any:
        return hop(*args, **{**options, "in_database": True})

    monkeypatch.setattr(expand_module, "hop", hop_in_database)  # every hop asks the database now
    assert answers() == fast


def test_neighbourhood_answers_are_the_full_snapshots_on_helsinki(helsinki_store: GraphStore) -> None:
    """The answer (from the projection) is what the full snapshot (from the database) gives, and
    its JSON straight from plain data is its model's, byte for byte."""
    keys = sorted(helsinki_store.snapshot().nodes)
    for key in keys:
        for depth, as_of, cap in ((1, None, 2_000), (2, dt.date(2019, 6, 1), 2_000), (2, None, 30)):
            found = neighbourhood(helsinki_store, [key], depth=depth, as_of=as_of, node_cap=cap)
            assert (found.answer.nodes, found.answer.edges) == answer_from_graph(found.graph), (key, depth)
            assert found.raw.json() == found.answer.model_dump_json(by_alias=True).encode()  # what the API sends


def test_neighbourhood_answers_are_the_full_snapshots_on_a_generated_graph(
    generated: tuple[GraphStore, Any],
) -> None:
    store, graph = generated
    rng = random.Random(4)
    for key in [graph.keys["City"][0], *rng.sample([n.key for n in graph.batch.nodes], 15)]:
        for depth, as_of in ((1, None), (2, None), (2, dt.date(2019, 6, 1))):
            found = neighbourhood(store, [key], depth=depth, as_of=as_of, node_cap=300)
            assert (found.answer.nodes, found.answer.edges) == answer_from_graph(found.graph), (key, depth)
            assert found.raw.json() == found.answer.model_dump_json(by_alias=True).encode()  # what the API sends


def test_neighbourhood_answers_survive_dropping_the_encoded_items(
    generated: tuple[GraphStore, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entities and relations are encoded once per projection and dropped past `KEPT_MAX`: answers
    made across such drops (a bound far below one answer's size) are still the full snapshots'."""
    monkeypatch.setattr(encoded, "KEPT_MAX", 7)
    store, graph = generated
    for key in [graph.keys["City"][0], *random.Random(8).sample([n.key for n in graph.batch.nodes], 5)]:
        for depth in (1, 2, 1):
            found = neighbourhood(store, [key], depth=depth, node_cap=300)
            assert (found.answer.nodes, found.answer.edges) == answer_from_graph(found.graph), (key, depth)
            assert found.raw.json() == found.answer.model_dump_json(by_alias=True).encode()


@pytest.mark.parametrize("heavy", [0, 2, 10**9])
def test_neighbourhood_relations_are_found_from_light_and_heavy_ends_alike(
    generated: tuple[GraphStore, Any], monkeypatch: pytest.MonkeyPatch, heavy: int
) -> None:
    """The relations among a ball's entities come from their light ends, and from the short list of
    relations between two heavy entities: with every entity heavy, some, or none, the answers are
    the full snapshots'."""
    monkeypatch.setattr(neighbourhood_module, "HEAVY_DEGREE", heavy)
    store, graph = generated
    for key in [graph.keys["City"][0], *random.Random(9).sample([n.key for n in graph.batch.nodes], 4)]:
        for depth, as_of in ((1, None), (2, None), (2, dt.date(2019, 6, 1))):
            found = neighbourhood(store, [key], depth=depth, as_of=as_of, node_cap=300)
            assert (found.answer.nodes, found.answer.edges) == answer_from_graph(found.graph), (key, depth)


def test_a_write_is_seen_by_the_next_hop(store: GraphStore) -> None:
    def node(key: str) -> Any:
        return parse_node(SCHEMA, {"key": key, "kind": "City", "name_en": key}, "t")

    store.apply(Batch([node("a"), node("b"), node("c")]))
    rel = parse_relation(SCHEMA, {"start": "a", "type": "PARTNER_OF", "end": "b"}, "t")
    store.apply(Batch(relations=[rel]))
    assert {r["other"] for r in hop(store, ["a"])} == {"b"}
    store.apply(Batch(relations=[parse_relation(SCHEMA, {"start": "c", "type": "PARTNER_OF", "end": "a"}, "t")]))
    assert {r["other"] for r in hop(store, ["a"])} == {"b", "c"}
    store.delete(["b"])
    assert {r["other"] for r in hop(store, ["a"])} == {"c"}


def test_the_vectorised_ball_is_the_hop_by_hop_one_from_the_database(
    generated: tuple[GraphStore, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, graph = generated
    rng = random.Random(8)
    every = [n.key for n in graph.batch.nodes]
    cases: list[dict[str, Any]] = []
    for _ in range(40):
        seeds = rng.sample(every, rng.choice([1, 1, 2, 3])) + ([graph.keys["City"][0]] if rng.random() < 0.3 else [])
        cases.append(
            {
                "seeds": seeds,
                "depth": rng.choice([0, 1, 2, 3]),
                "avoid_kinds": set(rng.sample(sorted(SCHEMA.node_kinds), rng.choice([0, 1, 2]))),
                "avoid_types": set(rng.sample(sorted(SCHEMA.relation_types), rng.choice([0, 0, 1]))),
                "keep": set(rng.sample(every, 200)) | set(seeds) if rng.random() < 0.3 else None,
                "as_of": rng.choice(DAYS),
                "node_cap": rng.choice([None, 5, 40, 2_000]),
            }
        )
    fast = [expand(store, **c) for c in cases]
    reference = [expand(store, **c, in_database=True) for c in cases]
    for case, a, b in zip(cases, fast, reference, strict=True):
        assert (a.depth, a.truncated) == (b.depth, b.truncated), case
    assert any(b.truncated for b in reference) and any(len(b.depth) > 50 for b in reference)


def test_a_built_projection_is_left_out_of_the_collector(generated: tuple[GraphStore, Any]) -> None:
    """Built, the projection is frozen out of the cyclic collector's passes (they walked it on every
    full collection: the routes' p99 spikes); the collector runs again, and dropped projections are
    still freed (reference counting)."""
    store, _ = generated
    built = projection(store)
    tracked = {id(o) for o in gc.get_objects()}
    assert gc.isenabled()
    assert id(built.keys) not in tracked and id(built.types) not in tracked  # frozen: no pass walks them
    store.apply(Batch([parse_node(SCHEMA, {"key": "another", "kind": "City", "name_en": "another"}, "t")]))
    watched = weakref.WeakValueDictionary({"old": built})
    del built
    assert projection(store).index["another"] >= 0
    assert "old" not in watched  # the replaced projection is gone
