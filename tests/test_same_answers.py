"""ArcadeDB and Neo4j give the same answers, value for value, to every question on the Helsinki data.

The dataset is loaded into each database (the session's managed ArcadeDB and Neo4j, and a
NEO4J_URI server when set), every question is asked with a wide spread of parameters on each, and
the answers, as the API would serialise them, must be identical to the first database's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import random
from collections.abc import Callable
from functools import partial
from typing import Any

import networkx as nx
import pytest
from conftest import Backend
from pydantic import BaseModel

from graph.bolt import BoltStore
from graph.managed import ManagedServer
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load
from questions.brokers import brokers
from questions.contacts import contacts
from questions.entity import entity
from questions.governance import governance
from questions.neighbourhood import Neighbourhood, neighbourhood
from questions.partners import partners_by_themes
from questions.paths import paths
from questions.search import search
from questions.themes import list_themes, theme_overview

Question = tuple[str, Callable[[GraphStore], Any]]


def helsinki(backend: Backend) -> GraphStore:
    if backend.contents != "helsinki":
        backend.store.clear()
        load(backend.store, [(DEFAULT_DATASET, "dataset")])
        backend.contents = "helsinki"
    return backend.store


def plain(answer: Any) -> Any:
    """An answer as plain data: models as the API serialises them, subgraphs as sorted nodes and edges."""
    if isinstance(answer, BaseModel):
        return answer.model_dump(mode="json")
    if isinstance(answer, Neighbourhood):  # the answer, and the map's full subgraph it reads lazily
        return {"answer": plain(answer.answer), "graph": plain(answer.graph)}
    if isinstance(answer, nx.MultiDiGraph):
        nodes = sorted((key, plain(data)) for key, data in answer.nodes(data=True))
        edges = sorted((a, b, str(k), plain(d)) for a, b, k, d in answer.edges(keys=True, data=True))
        return {"nodes": nodes, "edges": edges}
    if dataclasses.is_dataclass(answer) and not isinstance(answer, type):
        return {f.name: plain(getattr(answer, f.name)) for f in dataclasses.fields(answer)}
    if isinstance(answer, list | tuple):
        return [plain(a) for a in answer]
    if isinstance(answer, dict):
        return {str(k): plain(v) for k, v in answer.items()}
    if isinstance(answer, str | int | float | bool) or answer is None:
        return answer
    return str(answer)  # dates


def as_json(answer: Any) -> str:
    return json.dumps(plain(answer), sort_keys=True)


def questions(store: GraphStore) -> list[Question]:
    """Every question with the parameters worth comparing; built from the data, seeded."""
    snapshot = store.snapshot()
    keys = sorted(snapshot.nodes)
    kinds = {k: snapshot.nodes[k]["kind"] for k in keys}
    themes = [k for k in keys if kinds[k] == "Theme"]
    names = sorted(
        {str(snapshot.nodes[k].get(f)) for k in keys for f in ("name_fi", "name_en") if snapshot.nodes[k].get(f)}
    )
    rng = random.Random(9)
    asked: list[Question] = [
        ("governance", lambda s: governance(s)),
        ("theme overview", lambda s: theme_overview(s)),
        ("theme list", lambda s: list_themes(s)),
        ("brokers", lambda s: brokers(s, top=30)),
        ("brokers by degree", lambda s: brokers(s, top=30, measure="degree")),
        ("as of 2010", lambda s: governance(s, as_of=dt.date(2010, 1, 1))),
    ]
    for text in [*names, "tallinnan", "pietari", "ilmasto", "helsingissä", "smart", "kaupunki", "c40"]:
        asked.append((f"search {text!r}", partial(search, text=text)))
    for key in keys:
        asked.append((f"entity {key}", partial(entity, key=key)))
        asked.append((f"contacts {key}", partial(contacts, key=key)))
        asked.append((f"contacts+personal {key}", partial(contacts, key=key, include_personal=True)))
        asked.append((f"neighbourhood {key}", partial(neighbourhood, keys=[key], depth=1)))
    for key in rng.sample(keys, 25):
        asked.append((f"neighbourhood 2 {key}", partial(neighbourhood, keys=[key], depth=2)))
    for theme in themes:
        asked.append((f"partners {theme}", partial(partners_by_themes, themes=[theme])))
        asked.append((f"brokers {theme}", partial(brokers, theme=theme, top=20)))
    for pair in rng.sample(list(itertools.combinations(themes, 2)), 30):
        for mode in ("all", "any"):
            asked.append((f"partners {pair} {mode}", partial(partners_by_themes, themes=pair, mode=mode)))
    for start, end in rng.sample(list(itertools.permutations(keys, 2)), 60):
        asked.append((f"paths {start}->{end}", partial(paths, start=start, end=end, max_hops=4)))
    return asked


@pytest.mark.slow
def test_every_question_has_the_same_answer_on_every_database(backends: dict[str, Backend]) -> None:
    stores = {name: helsinki(backend) for name, backend in backends.items()}
    assert {"arcadedb", "neo4j"} <= set(stores)
    reference_name, reference = next(iter(stores.items()))
    asked = questions(reference)
    assert len(asked) > 500
    differences: list[str] = []
    for label, ask in asked:
        expected = as_json(ask(reference))
        for name, store in stores.items():
            if name != reference_name and as_json(ask(store)) != expected:
                differences.append(f"{label}: {name} differs from {reference_name}")
    print(f"{len(asked)} questions compared on {', '.join(stores)}")
    assert differences == [], "\n".join(differences[:20])


def test_bolt_and_routing_uris_reach_the_same_graph(
    backends: dict[str, Backend], managed_servers: dict[str, ManagedServer]
) -> None:
    """`neo4j://` is the routing driver that Aura and clusters need; `bolt://` talks to one server.
    Both schemes reach each managed server, read the same graph, and see each other's writes."""
    for name, server in managed_servers.items():
        helsinki(backends[name])
        assert server.state is not None
        answers = {}
        for scheme in ("bolt", "neo4j"):
            with BoltStore(f"{scheme}://127.0.0.1:{server.state.bolt_port}", server.auth, server.database) as store:
                answers[scheme] = (store.counts(), as_json(store.snapshot()), as_json(governance(store)))
        assert answers["bolt"] == answers["neo4j"], f"{name}: the two schemes disagree"
        assert answers["bolt"][0].total_nodes > 100
