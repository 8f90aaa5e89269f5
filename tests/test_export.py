"""Exports read back with networkx: the same nodes, relations and keys in every format; contact
fields only when asked for; subgraphs by key and depth; the `partnergraph export` command."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import cast

import networkx as nx
import pytest
from typer.testing import CliRunner

from graph.store import GraphStore
from loaders.base import LoadOptions
from loaders.pipeline import load
from partnergraph.cli import app
from partnergraph.commands.export import export_graph
from viz.export import FORMATS, ExportError, export, subgraph

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
SOURCES = [
    (FIXTURES / "nodes.csv", None),
    (FIXTURES / "relations.csv", None),
    (FIXTURES / "initiatives.csv", None),
    (FIXTURES / "contacts.csv", None),
    (FIXTURES / "document.md", None),
]


def read_back(content: bytes, fmt: str) -> nx.MultiDiGraph[str]:
    """What another tool sees: the file parsed by networkx's own readers."""
    if fmt == "graphml":
        return cast("nx.MultiDiGraph[str]", nx.read_graphml(io.BytesIO(content), force_multigraph=True))
    if fmt == "gexf":
        graph = nx.read_gexf(io.BytesIO(content))
        if graph.is_multigraph():  # edge ids (our relation keys) are the keys
            return cast("nx.MultiDiGraph[str]", graph)
        multi: nx.MultiDiGraph[str] = nx.MultiDiGraph()  # no parallel edges: networkx reads a DiGraph, ids as data
        multi.add_nodes_from(graph.nodes(data=True))
        for s, e, d in graph.edges(data=True):
            multi.add_edge(s, e, key=d["id"], **d)
        return multi
    return cast("nx.MultiDiGraph[str]", nx.node_link_graph(json.loads(content), edges="links"))


def rel_keys(graph: nx.MultiDiGraph[str]) -> set[tuple[str, str, str]]:
    return {(s, e, str(k)) for s, e, k in graph.edges(keys=True)}


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    load(store, SOURCES, LoadOptions(document_id="memo"))
    return store


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reads_back_with_the_same_nodes_relations_and_keys(loaded: GraphStore, fmt: str) -> None:
    graph = export_graph(loaded)
    back = read_back(export(graph, fmt), fmt)
    assert set(back.nodes) == set(graph.nodes)
    assert back.number_of_edges() == graph.number_of_edges() == loaded.counts().total_relations
    assert rel_keys(back) == rel_keys(graph)
    helsinki = back.nodes["helsinki"]
    assert helsinki["label"] == "Helsinki"
    assert helsinki["kind"] == "City"
    assert helsinki["capital"] in (True, "True")  # JSON and GraphML keep the bool
    sources = helsinki["sources"] if fmt == "json" else json.loads(helsinki["sources"])
    # The CSV row it was read from, then the document's mention: both survive the export.
    assert {s["doc"] for s in sources} == {"nodes.csv", "memo"}
    if fmt == "json":
        assert helsinki["aliases"] == ["Helsingin", "Helsingissä", "City of Helsinki"]
    else:
        assert helsinki["aliases"] == "Helsingin; Helsingissä; City of Helsinki"
    edge = back.edges["helsinki", "eurocities", "helsinki|MEMBER_OF|eurocities"]
    assert edge["since"] == "1990-01-01"
    assert edge["relation" if fmt == "gexf" else "type"] == "MEMBER_OF"


@pytest.mark.parametrize("fmt", FORMATS)
def test_contact_fields_only_when_asked_for(loaded: GraphStore, fmt: str) -> None:
    without = export(export_graph(loaded), fmt)
    assert b"maija@example.org" not in without and b"+358 40" not in without
    assert "email" not in read_back(without, fmt).nodes["maija-meikalainen"]
    with_contacts = read_back(export(export_graph(loaded, include_contacts=True), fmt), fmt)
    maija = with_contacts.nodes["maija-meikalainen"]
    assert (maija["email"], maija["phone"]) == ("maija@example.org", "+358 40 123 4567")
    assert "phone" not in with_contacts.nodes["matti-virtanen"]  # no phone given
    assert "email" not in with_contacts.nodes["helsinki"]


def test_subgraph_by_keys_and_depth(loaded: GraphStore) -> None:
    assert set(export_graph(loaded, ["tallinn"], 0)) == {"tallinn"}
    assert set(export_graph(loaded, ["tallinn"], 1)) == {"tallinn", "helsinki", "matti-virtanen"}
    two = export_graph(loaded, ["tallinn"], 2)
    assert set(two) == {"tallinn", "helsinki", "matti-virtanen", "eurocities", "forum-virium"}
    assert {"maija-meikalainen", "smart-city"} <= set(export_graph(loaded, ["tallinn"], 3))
    assert set(export_graph(loaded, ["malmo", "nycx"], 3)) == {"malmo", "nycx"}  # no relations
    relations = export_graph(loaded, ["tallinn"], 1).edges(keys=True)
    assert ("helsinki", "tallinn", "helsinki|PARTNER_OF|tallinn") in relations


def test_subgraph_errors() -> None:
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph([("a", "b")])
    with pytest.raises(ExportError, match="no node with key 'x'"):
        subgraph(graph, ["a", "x"])
    with pytest.raises(ExportError, match="unknown format"):
        export(graph, "csv")


def test_export_command(loaded: GraphStore, tmp_path: Path, cli_on_backend: None) -> None:
    runner = CliRunner()
    out = tmp_path / "around-tallinn.gexf"
    result = runner.invoke(app, ["export", "-o", str(out), "--key", "tallinn", "--depth", "1"])
    assert result.exit_code == 0, result.output
    assert set(nx.read_gexf(out)) == {"tallinn", "helsinki", "matti-virtanen"}
    assert b"matti@example.org" not in out.read_bytes()

    out = tmp_path / "all.json"
    result = runner.invoke(app, ["export", "-o", str(out), "--include-contacts"])
    assert result.exit_code == 0, result.output
    back = nx.node_link_graph(json.loads(out.read_text("utf-8")), edges="links")
    assert back.number_of_nodes() == loaded.counts().total_nodes
    assert back.nodes["matti-virtanen"]["email"] == "matti@example.org"

    result = runner.invoke(app, ["export", "-o", str(tmp_path / "x.graphml"), "--key", "atlantis"])
    assert result.exit_code == 2
    assert "no node with key 'atlantis'" in result.output
    result = runner.invoke(app, ["export", "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 2
    assert "--format" in result.output
