"""The curated dataset loads the same everywhere, and loading it twice changes nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml
from conftest import Backend
from test_store_contract import state

from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load


def dataset_files() -> dict[str, list[dict[str, Any]]]:
    manifest = yaml.safe_load((DEFAULT_DATASET / "dataset.yaml").read_text(encoding="utf-8"))
    out: dict[str, list[dict[str, Any]]] = {"nodes": [], "relations": []}
    for name in manifest["files"]:
        content = yaml.safe_load((DEFAULT_DATASET / name).read_text(encoding="utf-8")) or {}
        for section, records in out.items():
            records.extend(content.get(section) or [])
    return out


def test_dataset_loads_completely_with_provenance(store: GraphStore) -> None:
    files = dataset_files()
    report = load(store, [(DEFAULT_DATASET, "dataset")])
    assert sum(report.summary.created.values()) == len(files["nodes"]) + len(files["relations"])
    counts = store.counts()
    assert counts.nodes == dict(sorted(Counter(n["kind"] for n in files["nodes"]).items()))
    assert counts.relations == dict(sorted(Counter(r["type"] for r in files["relations"]).items()))
    graph = store.snapshot()
    assert set(graph.nodes) == {n["key"] for n in files["nodes"]}
    expected_edges = Counter((r["from"], r["type"], r["to"]) for r in files["relations"])
    assert Counter((u, d["type"], v) for u, v, d in graph.edges(data=True)) == expected_edges
    for key, data in graph.nodes(data=True):
        assert data.get("name_fi") or data.get("name_en"), key
        assert data["sources"] and all(s["quote"] and s["section"] for s in data["sources"]), key
    for u, v, data in graph.edges(data=True):
        assert data["sources"] and data["basis"] in ("stated", "inferred"), (u, v)


def test_loading_the_dataset_twice_changes_nothing(store: GraphStore) -> None:
    load(store, [(DEFAULT_DATASET, "dataset")])
    before = state(store)
    report = load(store, [(DEFAULT_DATASET, "dataset")])
    assert not report.summary.changed, report.summary.as_dict()
    assert sum(report.summary.unchanged.values()) == report.records
    assert state(store) == before


def test_every_server_holds_the_same_graph(backends: dict[str, Backend]) -> None:
    """The managed ArcadeDB and Neo4j (and a NEO4J_URI server when set) hold the Helsinki graph
    property by property alike, provenance included."""
    assert {"arcadedb", "neo4j"} <= set(backends)
    states = []
    for backend in backends.values():
        backend.store.clear()
        load(backend.store, [(DEFAULT_DATASET, "dataset")])
        backend.contents = "helsinki"
        states.append(state(backend.store))
    assert all(s == states[0] for s in states)
    assert states[0][0]  # not vacuously equal: the graph is not empty
