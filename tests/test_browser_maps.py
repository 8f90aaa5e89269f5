"""Saved map files (file:// URLs) in headless Chromium: they draw, make no outside request, show
details with provenance, keep hostile text inert, and a 2,000-node map becomes interactive."""

from __future__ import annotations

from pathlib import Path

import browser_util
import pytest
from browser_util import guarded_page
from playwright.sync_api import Browser

from bench.perf import time_to_interactive
from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore
from viz.maps import MapOptions, write_map

pytestmark = pytest.mark.browser
browser = browser_util.browser  # the session's Chromium (a fixture)
XSS = "<img src=x onerror=window.__xss=1>"


def test_a_saved_map_draws_offline_with_a_legend_and_details(
    helsinki_store: GraphStore,
    browser: Browser,
    tmp_path: Path,
) -> None:
    graph = helsinki_store.snapshot()
    path = tmp_path / "helsinki.html"
    data = write_map(graph, path, title="Helsinki", highlight=["helsinki"])
    with guarded_page(browser) as gp:
        gp.page.goto(path.as_uri())
        gp.wait_ready()
        assert gp.page.evaluate("network.body.data.nodes.length") == graph.number_of_nodes()
        assert gp.page.evaluate("network.body.data.edges.length") == graph.number_of_edges()
        assert gp.canvas_ink() > 2_000, "the canvas is blank"
        # The legend on the page names every kind and relation type drawn.
        legend_kinds = set(
            gp.page.eval_on_selector_all("#pg-legend [data-kind]", "els => els.map(e => e.dataset.kind)")
        )
        legend_rels = set(
            gp.page.eval_on_selector_all("#pg-legend [data-relation]", "els => els.map(e => e.dataset.relation)")
        )
        assert legend_kinds == {d["kind"] for _, d in graph.nodes(data=True)}
        assert legend_rels == {d["type"] for *_, d in graph.edges(data=True)}

        # Hover: a tooltip with the name; click: the details panel with a provenance quote.
        quote = graph.nodes["helsinki"]["sources"][0]["quote"]
        gp.hover_node("helsinki")
        gp.page.wait_for_selector("#pg-tooltip:not([hidden])", timeout=5_000)
        assert "Helsinki" in gp.page.inner_text("#pg-tooltip")
        gp.click_node("helsinki")
        gp.page.wait_for_selector("#pg-details .pg-quote", timeout=5_000)
        assert gp.page.inner_text("#pg-details .pg-node-name") == "Helsinki"
        assert quote in gp.page.inner_text("#pg-details")
        assert gp.page.inner_text("#pg-details").count("Relations on this map") == 1

        # PNG export straight from the canvas.
        png = gp.page.evaluate("window.__pgMap.pngDataURL()")
        assert png.startswith("data:image/png;base64,") and len(png) > 5_000
        gp.screenshot("a-saved-map-draws-offline-with-a-legend-and-details")
        assert gp.guard.outside == [], f"requests left the file: {gp.guard.outside}"
        assert gp.guard.errors == []
    assert len(data.nodes) == graph.number_of_nodes()


def test_a_hostile_node_name_shows_as_text_and_never_runs(store: GraphStore, browser: Browser, tmp_path: Path) -> None:
    schema = store.schema
    quote = "<script>window.__xss=2</script> said <b>nobody</b>"
    batch = Batch(
        nodes=[
            parse_node(
                schema,
                {
                    "key": "evil",
                    "kind": "Organisation",
                    "name_en": XSS,
                    "name_fi": XSS,
                    "sources": [{"doc": XSS, "section": "<i>1</i>", "quote": quote}],
                },
                "evil",
            ),
            parse_node(schema, {"key": "helsinki", "kind": "City", "name_en": "Helsinki"}, "helsinki"),
        ],
        relations=[
            parse_relation(schema, {"start": "evil", "type": "PARTNER_OF", "end": "helsinki", "role": XSS}, "r")
        ],
    )
    store.apply(batch)
    path = tmp_path / "evil.html"
    write_map(store.snapshot(), path, title=XSS)
    with guarded_page(browser) as gp:
        gp.page.goto(path.as_uri())
        gp.wait_ready()
        gp.hover_node("evil")
        gp.page.wait_for_selector("#pg-tooltip:not([hidden])", timeout=5_000)
        assert XSS in gp.page.inner_text("#pg-tooltip")
        gp.click_node("evil")
        gp.page.wait_for_selector("#pg-details .pg-quote", timeout=5_000)
        details = gp.page.inner_text("#pg-details")
        assert XSS in details and quote in details  # literally, as text
        assert gp.page.inner_text("#pg-title") == XSS
        # the relation's details (its role is the payload too)
        edge_id = gp.page.evaluate("network.body.data.edges.getIds()[0]")
        gp.page.evaluate("id => window.__pgMap.showEdge(id)", edge_id)
        assert XSS in gp.page.inner_text("#pg-details")
        gp.page.wait_for_timeout(200)
        assert gp.page.evaluate("typeof window.__xss") == "undefined"
        assert gp.page.query_selector("#pg-details img, #pg-tooltip img, #pg-title img, #pg-details script") is None
        gp.screenshot("a-hostile-node-name-shows-as-text-and-never-runs")
        assert gp.guard.outside == [] and gp.guard.errors == []


def test_a_map_above_the_physics_limit_is_interactive_at_once(browser: Browser, tmp_path: Path) -> None:
    from bench.perf import synthetic_graph

    path = tmp_path / "medium.html"
    data = write_map(synthetic_graph(450), path, options=MapOptions(physics_limit=300))
    assert data.options["physics"]["enabled"] is False
    with guarded_page(browser) as gp:
        gp.page.goto(path.as_uri())
        gp.wait_ready()
        positions = gp.page.evaluate("network.getPositions()")
        for node in data.nodes[:25]:  # the precomputed layout is used as it is
            got = positions[node["id"]]  # vis-network reports whole pixels
            assert abs(got["x"] - node["x"]) < 1 and abs(got["y"] - node["y"]) < 1
        assert gp.canvas_ink() > 2_000
        gp.screenshot("a-map-above-the-physics-limit")


@pytest.mark.slow
def test_a_2000_node_map_opens_and_becomes_interactive(browser: Browser) -> None:
    result = time_to_interactive(2_000, browser=browser)
    print(f"\n2,000-node map: {result.as_dict()}")
    assert result.nodes == 2_000 and result.edges > 2_000
    assert result.outside_requests == 0
    assert result.ready_ms > 0 and result.click_ms > 0  # it drew and answered a real click


def test_a_saved_map_exports_a_slide_picture(helsinki_store: GraphStore, browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "tallinn.html"
    write_map(helsinki_store.snapshot(["helsinki", "tallinn"]), path, title="Helsinki and Tallinn")
    with guarded_page(browser) as gp:
        gp.page.goto(path.as_uri())
        gp.wait_ready()
        with gp.page.expect_download() as download:
            gp.page.click("#pg-export-svg")
        assert download.value.suggested_filename == "helsinki-and-tallinn.svg"
        svg = Path(download.value.path()).read_text(encoding="utf-8")
        assert "Helsinki and Tallinn" in svg and "Legend" in svg and "Source: partnergraph" in svg
        with gp.page.expect_download() as download:
            gp.page.click("#pg-export-png")
        assert download.value.suggested_filename == "helsinki-and-tallinn.png"
        assert Path(download.value.path()).read_bytes()[:4] == b"\x89PNG"
        gp.screenshot("a-saved-map-exports-a-slide-picture")
        assert gp.guard.outside == [] and gp.guard.errors == []
