"""Maps without a browser: style from the schema, legend, escaping, whitelists, offline HTML, cap,
layout. The browser tests (test_browser_*.py) check what the page then does."""

from __future__ import annotations

import copy
import html
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from bench.perf import synthetic_graph
from graph.schema import load_schema, parse_schema
from graph.store import GraphStore
from viz.labels import labels
from viz.layout import _grid_repulsion, compute_layout
from viz.maps import (
    STATIC_DIR,
    MapOptions,
    build_map,
    csp_hash,
    map_html,
    render_map,
    script_json,
    write_map,
)
from viz.style import DEFAULT_EDGE_COLOUR, INFERRED, LINE_DASHES, default_style, style_from_schema

XSS = "<img src=x onerror=window.__xss=1>"
PYVIS_LIB = Path(str(__import__("pyvis").__file__)).parent / "lib" / "vis-9.1.2"


def payload_of(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="pg-data">(.*?)</script>', page, re.S)
    assert match, "no data script in the page"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def small_graph() -> nx.MultiDiGraph[str]:
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    g.add_node(
        "helsinki",
        key="helsinki",
        kind="City",
        name_fi="Helsinki",
        name_en="Helsinki",
        country="Finland",
        sources=[{"doc": "strategy", "section": "2.1", "quote": "Helsinki & Tallinn <together>"}],
    )
    g.add_node("tallinn", key="tallinn", kind="City", name_fi="Tallinna", name_en="Tallinn")
    g.add_node("eurocities", key="eurocities", kind="Network", name_en="Eurocities")
    g.add_node("maas", key="maas", kind="Theme", name_fi="Liikkumispalvelut", name_en="Mobility as a Service")
    g.add_edge("helsinki", "tallinn", key="r1", type="PARTNER_OF", rel_key="r1", basis="stated", since=None)
    g.add_edge("helsinki", "eurocities", key="r2", type="MEMBER_OF", rel_key="r2", role="founding member")
    g.add_edge("helsinki", "maas", key="r3", type="TOUCHES", rel_key="r3")
    return g


# -- style ----------------------------------------------------------------------------------------


def test_style_comes_from_the_schema() -> None:
    schema, style = load_schema(), default_style()
    assert list(style.kinds) == list(schema.node_kinds)
    for name, kind in schema.node_kinds.items():
        assert style.kinds[name].colour == kind.colour
        assert style.kinds[name].shape == kind.shape
    for name, rel in schema.relation_types.items():
        assert style.relations[name].dashes == LINE_DASHES[rel.line]
        assert style.relations[name].vis()["arrows"]["to"]["enabled"] is (not rel.symmetric)


def test_every_map_carries_its_own_schemas_style_in_its_language() -> None:
    """The style and its JSON are made once per schema and language, then shared: maps drawn in
    turn in each language and with two schemas each carry what their schema and language give."""
    raw = copy.deepcopy(load_schema().raw)
    raw["relation_types"]["MEMBER_OF"]["colour"] = "#123456"
    schemas = [load_schema(), parse_schema(raw)]
    seen = set()
    for language, schema in itertools.product(("fi", "sv", "en", "fi"), [*schemas, schemas[0]]):
        data = build_map(small_graph(), options=MapOptions(language=language), schema=schema)
        fresh = style_from_schema(schema)
        style = data.payload()["style"]
        assert style == {**fresh.as_json(), **labels(language, fresh)}
        seen.add((language, style["relations"]["MEMBER_OF"]["colour"], style["kindLabels"]["City"]))
    assert len(seen) == 6  # two colours, three languages' labels


def test_a_relation_colour_declared_in_the_schema_is_used() -> None:
    raw = copy.deepcopy(load_schema().raw)
    raw["relation_types"]["MEMBER_OF"]["colour"] = "#123456"
    style = style_from_schema(parse_schema(raw))
    assert style.relations["MEMBER_OF"].vis()["color"]["color"] == "#123456"
    assert style.relations["PARTNER_OF"].colour == DEFAULT_EDGE_COLOUR  # undeclared: the neutral default
    assert style.legend([], ["MEMBER_OF"])["relations"][0]["colour"] == "#123456"


def test_nodes_and_edges_are_styled_by_kind_and_relation_type() -> None:
    data = build_map(small_graph())
    schema = load_schema()
    nodes = {n["id"]: n for n in data.nodes}
    assert nodes["eurocities"]["shape"] == schema.node_kinds["Network"].shape
    assert nodes["eurocities"]["color"]["background"] == schema.node_kinds["Network"].colour
    edges = {e["id"]: e for e in data.edges}
    assert edges["r3"]["dashes"] == LINE_DASHES[schema.relation_types["TOUCHES"].line] != False  # noqa: E712
    assert edges["r2"]["dashes"] is False
    assert nodes["helsinki"]["size"] > nodes["tallinn"]["size"]  # size by degree


def test_size_by_centrality_ranks_the_hub_first() -> None:
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for i in range(8):
        g.add_node(f"c{i}", kind="City", name_en=f"C{i}")
    for i in range(1, 8):
        g.add_edge("c0", f"c{i}", type="PARTNER_OF")
    for size_by in ("degree", "pagerank", "betweenness"):
        nodes = {n["id"]: n["size"] for n in build_map(g, options=MapOptions(size_by=size_by)).nodes}
        assert max(nodes, key=lambda k: nodes[k]) == "c0", size_by


# -- legend ---------------------------------------------------------------------------------------


def legend_entries(page: str) -> tuple[set[str], set[str]]:
    kinds = set(re.findall(r'<li data-kind="([^"]+)"', page))
    relations = set(re.findall(r'<li data-relation="([^"]+)"', page))
    return kinds, relations


def test_every_kind_and_relation_type_shown_has_a_legend_entry(helsinki_store: GraphStore) -> None:
    graph = helsinki_store.snapshot()
    page = map_html(graph, title="Helsinki")
    kinds, relations = legend_entries(page)
    shown_kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    shown_relations = {d["type"] for *_, d in graph.edges(data=True)}
    assert len(shown_kinds) >= 5 and len(shown_relations) >= 8, "the dataset should exercise the legend"
    assert kinds == shown_kinds
    assert relations == shown_relations


def test_legend_lists_only_what_the_map_shows() -> None:
    kinds, relations = legend_entries(map_html(small_graph()))
    assert kinds == {"City", "Network", "Theme"}
    assert relations == {"PARTNER_OF", "MEMBER_OF", "TOUCHES"}


# -- escaping -------------------------------------------------------------------------------------


def test_script_json_cannot_close_the_script_or_open_a_comment() -> None:
    value = {"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "a & b", "d": "\u2028"}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_hostile_names_are_data_never_markup() -> None:
    g = small_graph()
    g.add_node(
        "evil",
        key="evil",
        kind="Organisation",
        name_en=XSS,
        name_fi="</script><script>window.__xss=2</script>",
        sources=[{"doc": XSS, "section": "<b>s</b>", "quote": "<script>window.__xss=3</script>"}],
    )
    g.add_edge("evil", "helsinki", key="r9", type="PARTNER_OF", rel_key="r9", role=XSS)
    page = map_html(g, title=XSS, subtitle="<i>sub</i>")
    assert "<img src=x" not in page and "<script>window" not in page and "<i>sub</i>" not in page
    assert html.escape(XSS, quote=True) in page  # the title, autoescaped by Jinja2
    data = payload_of(page)
    assert data["details"]["evil"]["name_en"] == XSS  # the data survive intact, as text
    assert data["details"]["evil"]["sources"][0]["quote"] == "<script>window.__xss=3</script>"
    assert data["edgeDetails"]["r9"]["role"] == XSS
    assert all("title" not in node for node in data["nodes"])  # vis-network would render a title as HTML


def test_the_map_script_writes_text_only() -> None:
    script = (STATIC_DIR / "map.js").read_text(encoding="utf-8")
    explorer = (Path(__file__).resolve().parents[1] / "api" / "static" / "explorer.js").read_text(encoding="utf-8")
    for source in (script, explorer):
        source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)  # comments may name what the code avoids
        assert "innerHTML" not in source and "outerHTML" not in source and "insertAdjacentHTML" not in source
        assert "document.write" not in source and "eval(" not in source


# -- what a map may contain -----------------------------------------------------------------------


def test_only_whitelisted_attributes_reach_the_page() -> None:
    g = small_graph()
    g.nodes["helsinki"].update(
        email="mayor@example.org", phone="+358 9 123", search_text="helsinki | secret", internal_note="do not show"
    )
    g.add_node(
        "person",
        key="person",
        kind="Person",
        name_en="A Person",
        title_en="Mayor",
        email="a.person@example.org",
        phone="+358 40 765 4321",
    )
    g.add_edge("person", "helsinki", key="r5", type="WORKS_FOR", rel_key="r5", secret="edge secret")
    page = map_html(g)
    for leaked in ("mayor@example.org", "+358 9 123", "secret", "do not show", "a.person@example.org", "765 4321"):
        assert leaked not in page
    data = payload_of(page)
    assert data["details"]["person"]["properties"] == {"title_en": "Mayor"}
    assert data["details"]["helsinki"]["properties"] == {"country": "Finland"}
    personal = load_schema().personal_property_names
    assert personal and not personal & set(data["details"]["person"]["properties"])


def test_details_carry_names_kind_themes_and_provenance() -> None:
    data = build_map(small_graph()).payload()
    helsinki = data["details"]["helsinki"]
    assert (helsinki["name_fi"], helsinki["name_en"], helsinki["kind"]) == ("Helsinki", "Helsinki", "City")
    assert helsinki["themes"] == [{"key": "maas", "name": "Mobility as a Service"}]
    assert helsinki["sources"] == [{"doc": "strategy", "section": "2.1", "quote": "Helsinki & Tallinn <together>"}]
    assert data["edgeDetails"]["r2"]["role"] == "founding member"
    assert data["edgeDetails"]["r2"]["from_name"] == "Helsinki"
    fi = build_map(small_graph(), options=MapOptions(language="fi")).payload()
    assert {n["id"]: n["label"] for n in fi["nodes"]}["maas"] == "Liikkumispalvelut"


def test_parallel_relations_get_their_own_ids_and_curves() -> None:
    g = small_graph()
    g.add_edge("helsinki", "eurocities", key="r2b", type="LEADS", rel_key="r2b")
    g.add_edge("eurocities", "helsinki", key="r2c", type="PARTNER_OF", rel_key="r2c")
    edges = [e for e in build_map(g).edges if {e["from"], e["to"]} == {"helsinki", "eurocities"}]
    assert len({e["id"] for e in edges}) == 3
    assert sorted("smooth" in e for e in edges) == [False, True, True]


# -- self-contained HTML --------------------------------------------------------------------------


def test_a_saved_map_is_self_contained(tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    write_map(small_graph(), path, title="Offline")
    page = path.read_text(encoding="utf-8")
    # Nothing to fetch: no external script, stylesheet, image, font or frame.
    assert not re.search(r"<(script|img|iframe|link)\b[^>]*\b(src|href)=\"(?!data:)", page, re.I)
    assert not re.search(r"url\(\s*(?!['\"]?data:)", page)
    assert "@import" not in page
    assert "bootstrap" not in page.lower() and "//cdn" not in page.lower()
    # A strict policy: inline scripts only by hash, nothing may be fetched.
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and "default-src 'none'" in csp.group(1) and "connect-src 'none'" in csp.group(1)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    policy = html.unescape(csp.group(1))
    assert len(scripts) == 2 and all(csp_hash(s) in policy for s in scripts)


def test_vis_network_is_the_pyvis_copy_with_its_license_header() -> None:
    ours = (STATIC_DIR / "vis-network.min.js").read_bytes()
    assert ours == (PYVIS_LIB / "vis-network.min.js").read_bytes()
    header = ours[:800].decode()
    assert "@license" in header and "vis.js is dual licensed" in header and "@version 9.1.2" in header
    css = (STATIC_DIR / "vis-network.css").read_text(encoding="utf-8")
    assert css.startswith("/**") and "@license" in css[:800]
    assert css.endswith((PYVIS_LIB / "vis-network.css").read_text(encoding="utf-8"))
    page = map_html(small_graph())
    assert "vis.js is dual licensed" in page and "@version 9.1.2" in page  # kept when inlined


def test_served_maps_reference_static_files_instead() -> None:
    page = render_map(build_map(small_graph()), standalone=False, static_url="/static")
    assert '<script src="/static/vis-network.min.js"></script>' in page
    assert "vis.js is dual licensed" not in page


# -- large graphs ---------------------------------------------------------------------------------


def test_node_cap_keeps_the_best_connected_and_says_so() -> None:
    g = synthetic_graph(120)
    data = build_map(g, highlight=["theme-4"], options=MapOptions(node_cap=30))
    assert len(data.nodes) == 30 and data.total_nodes == 120
    assert data.notice and "120" in data.notice and "30" in data.notice
    kept = {n["id"] for n in data.nodes}
    assert "theme-4" in kept  # highlighted nodes are kept first
    degree = {n: len(set(g.successors(n)) | set(g.predecessors(n))) for n in g}
    dropped = set(g) - kept
    assert min(degree[k] for k in kept - {"theme-4"}) >= max(degree[k] for k in dropped)
    assert all(e["from"] in kept and e["to"] in kept for e in data.edges)
    page = render_map(data)
    assert 'id="pg-notice"' in page and "120 nodes" in page


def test_physics_only_for_small_maps_and_positions_always_precomputed() -> None:
    small = build_map(small_graph())
    assert small.options["physics"]["enabled"] is True
    large = build_map(synthetic_graph(400), options=MapOptions(physics_limit=300))
    assert large.options["physics"]["enabled"] is False
    for data in (small, large):
        assert all(math.isfinite(n["x"]) and math.isfinite(n["y"]) for n in data.nodes)


def test_layout_is_deterministic_and_spread_out() -> None:
    for size in (5, 40, 300, 900):
        g = synthetic_graph(size, seed=3)
        first, second = compute_layout(g, seed=1), compute_layout(g, seed=1)
        assert first == second and set(first) == set(g)
        points = np.array(list(first.values()))
        assert len({tuple(p) for p in points}) == size  # no two nodes on the same spot
        nearest = [np.sort(np.hypot(*(points - p).T))[1] for p in points[:50]]
        assert float(np.median(nearest)) > 10.0  # pixels


def _stress(pos: dict[str, tuple[float, float]] | Any, graph: nx.Graph[Any]) -> float:
    """Kamada-Kawai's energy (weights 1/d^2) at the best scale, relative to the distances: 0 is perfect."""
    nodes = list(graph)
    hops = dict(nx.all_pairs_shortest_path_length(graph))
    want = np.array([[hops[a][b] for b in nodes] for a in nodes], dtype=float)
    points = np.array([pos[v] for v in nodes], dtype=float)
    got = np.hypot(*(points[:, None] - points[None]).transpose(2, 0, 1))
    apart = want > 0
    weight = 1 / want[apart] ** 2
    scale = (weight * got[apart] * want[apart]).sum() / (weight * got[apart] ** 2).sum()
    return float((weight * (scale * got[apart] - want[apart]) ** 2).sum() / (weight * want[apart] ** 2).sum())


def test_small_maps_are_laid_out_as_well_as_networkx_kamada_kawai() -> None:
    """igraph's Kamada-Kawai replaced networkx's for maps of up to 60 nodes (14-28x faster)."""
    graphs = [
        nx.star_graph(8),
        nx.connected_watts_strogatz_graph(20, 4, 0.3, seed=1),
        nx.random_labeled_tree(40, seed=2),
        nx.connected_watts_strogatz_graph(60, 4, 0.3, seed=1),
        nx.barabasi_albert_graph(60, 2, seed=3),
    ]
    for graph in graphs:
        graph = nx.relabel_nodes(graph, str)
        ours, reference = _stress(compute_layout(graph), graph), _stress(nx.kamada_kawai_layout(graph), graph)
        assert ours <= 1.15 * reference, (graph, ours, reference)


def test_nodes_without_relations_go_below_the_others() -> None:
    g = synthetic_graph(80)
    g.add_node("alone-1", kind="City", name_en="Alone")
    g.add_node("alone-2", kind="City", name_en="Alone too")
    pos = compute_layout(g)
    lowest_connected = max(y for k, (_, y) in pos.items() if not k.startswith("alone") and g.degree(k))
    assert pos["alone-1"][1] > lowest_connected and pos["alone-2"][1] > lowest_connected


def test_grid_repulsion_matches_the_exact_forces() -> None:
    rng = np.random.default_rng(5)
    pos = rng.random((700, 2))
    k2 = 1 / 700
    approx = _grid_repulsion(pos, 7, k2)
    delta = pos[:, None, :] - pos[None, :, :]
    d2 = (delta**2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    exact = (delta * (k2 / d2)[:, :, None]).sum(1)
    error = np.linalg.norm(approx - exact, axis=1) / np.linalg.norm(exact, axis=1)
    assert float(np.percentile(error, 95)) < 0.05


@pytest.mark.slow
def test_a_2000_node_map_builds_within_the_cap() -> None:
    data = build_map(synthetic_graph(2_000))
    assert len(data.nodes) == 2_000 and data.notice is None
    assert data.options["physics"]["enabled"] is False
    assert data.options["edges"]["smooth"]["enabled"] is False
    over = build_map(synthetic_graph(2_001))
    assert len(over.nodes) == 2_000 and over.notice


def test_lines_fade_as_they_crowd_and_the_legend_says_what_sizes_mean() -> None:
    from viz.maps import edge_opacity

    assert edge_opacity(100) == 1.0 and edge_opacity(3_000) == 0.25 and edge_opacity(10_000) == 0.25
    assert 0.25 < edge_opacity(1_500) < 1.0
    data = build_map(synthetic_graph(40))
    assert data.payload()["sizeLabel"] == "neighbours on this map (degree)"
    assert "Node size: neighbours on this map (degree)" in render_map(data)


# -- inferred relations ---------------------------------------------------------------------------


def test_inferred_relations_have_their_own_line_and_a_legend_entry(helsinki_store: GraphStore) -> None:
    """On the Helsinki map every inferred relation is dash-dotted and faded, whatever its type's line,
    and only those; the legend has an entry for them (and none on a map without one)."""
    graph = helsinki_store.snapshot()
    inferred = {d["rel_key"] for *_, d in graph.edges(data=True) if d.get("basis") == "inferred"}
    assert len(inferred) >= 10, "the dataset should have inferred relations"
    data = build_map(graph, title="Helsinki")
    seen = set()
    for edge in data.edges:
        is_inferred = edge["id"] in inferred
        assert (edge["basis"] == "inferred") == is_inferred, edge["id"]
        assert (edge["dashes"] == INFERRED["dashes"]) == is_inferred, edge["id"]
        assert (edge["color"].get("opacity") == INFERRED["opacity"]) == is_inferred, edge["id"]
        if is_inferred:
            seen.add(edge["id"])
            assert data.edge_details[edge["id"]]["basis"] == "inferred"
    assert seen == inferred
    assert [entry["label"] for entry in data.legend["basis"]] == [INFERRED["label"]]
    assert INFERRED["dashes"] not in LINE_DASHES.values()  # unlike any relation type's own line
    page = map_html(graph, title="Helsinki")
    assert re.search(r'<li data-basis="inferred"[^>]*>.*stroke-dasharray="10 4 2 4"', page)
    assert "<li data-basis" not in map_html(small_graph())  # no inferred relation, no entry
