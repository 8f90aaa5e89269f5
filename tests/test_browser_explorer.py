"""The explorer page served by the real app (uvicorn in a thread) in headless Chromium: it draws,
asks nothing of other hosts, search -> click shows provenance, expanding adds nodes, paths between
two picked nodes, exports, contacts only for the contacts role, and hostile names stay text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import browser_util
import networkx as nx
import pytest
from browser_util import CONTACTS_KEY, AppServer, GuardedPage, guarded_page
from playwright.sync_api import Browser

from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore
from questions.entity import entity

pytestmark = pytest.mark.browser
browser = browser_util.browser  # the session's Chromium (a fixture)
app_server = browser_util.app_server  # the app serving a store (a fixture)
XSS = "<img src=x onerror=window.__xss=1>"

ServerFor = Callable[..., AppServer]


def open_explorer(gp: GuardedPage, server: AppServer, path: str = "/") -> None:
    gp.guard.allowed_hosts.add(server.host)
    gp.page.goto(server.url + path)
    gp.wait_ready()


def search_and_open(gp: GuardedPage, text: str, key: str) -> None:
    gp.page.fill("#pg-search-input", text)
    gp.page.press("#pg-search-input", "Enter")
    result = gp.page.wait_for_selector(f"#pg-search-results button[data-key='{key}']", timeout=10_000)
    assert result is not None
    result.click()
    gp.page.wait_for_function(
        "k => { const e = document.querySelector('#pg-details .pg-key'); return e && e.textContent === k; }",
        arg=key,
        timeout=10_000,
    )


def node_count(gp: GuardedPage) -> int:
    return int(gp.page.evaluate("network.body.data.nodes.length"))


def legend_covers_the_map(gp: GuardedPage) -> None:
    shown = gp.page.evaluate(
        """() => {
            const nodes = network.body.data.nodes, edges = network.body.data.edges;
            const kinds = new Set(nodes.get().filter(n => !n.hidden).map(n => n.kind));
            const types = new Set(edges.get().filter(e => !nodes.get(e.from).hidden && !nodes.get(e.to).hidden)
                                             .map(e => e.type));
            return [[...kinds].sort(), [...types].sort()];
        }"""
    )
    kinds = sorted(gp.page.eval_on_selector_all("#pg-legend [data-kind]", "els => els.map(e => e.dataset.kind)"))
    types = sorted(
        gp.page.eval_on_selector_all("#pg-legend [data-relation]", "els => els.map(e => e.dataset.relation)")
    )
    assert [kinds, types] == shown


def test_the_explorer_draws_and_asks_no_other_host(
    helsinki_store: GraphStore, browser: Browser, app_server: ServerFor
) -> None:
    server = app_server(helsinki_store)
    with guarded_page(browser) as gp:
        open_explorer(gp, server)
        assert node_count(gp) > 5
        assert gp.canvas_ink() > 1_000, "the canvas is blank"
        legend_covers_the_map(gp)
        gp.screenshot("the-explorer-draws-and-asks-no-other-host")
        assert gp.guard.outside == [], f"outside requests: {gp.guard.outside}"
        assert gp.guard.errors == []
        assert any(url.endswith("/static/vis-network.min.js") for url in gp.guard.inside)


def test_search_click_shows_provenance_and_expanding_adds_nodes(
    helsinki_store: GraphStore, browser: Browser, app_server: ServerFor
) -> None:
    server = app_server(helsinki_store)
    tallinn = helsinki_store.snapshot(["tallinn"]).nodes["tallinn"]
    with guarded_page(browser) as gp:
        open_explorer(gp, server)
        search_and_open(gp, "Tallinna", "tallinn")
        details = gp.page.inner_text("#pg-details")
        assert tallinn["sources"][0]["quote"] in details
        assert "Tallinn" in gp.page.inner_text("#pg-details .pg-node-name")
        # Every relation of the entity (the API's entity route), not only those on the map.
        relations = sum(len(group) for group in entity(helsinki_store, "tallinn").relations.values())
        gp.page.wait_for_function(
            "n => document.querySelector('#pg-details .pg-all-relations summary').textContent.includes('(' + n + ')')",
            arg=relations,
            timeout=10_000,
        )

        # Expand a node from its details panel: its neighbours join the map. Which node: one on
        # the map with neighbours that are not (read from the data, not named here).
        before = node_count(gp)
        shown = set(gp.page.evaluate("network.body.data.nodes.getIds()"))
        graph = helsinki_store.snapshot()
        grows = sorted(k for k in shown if k in graph and set(nx.all_neighbors(graph, k)) - shown)
        assert grows, "every neighbour of the opening view is already on it: nothing to expand"
        gp.page.evaluate("key => window.__pgMap.showNode(key)", grows[0])
        gp.page.click("#pg-details button[data-action='expand']")
        gp.page.wait_for_function("n => network.body.data.nodes.length > n", arg=before, timeout=15_000)
        assert node_count(gp) > before
        legend_covers_the_map(gp)
        gp.screenshot("search-click-shows-provenance-and-expanding-adds-nodes")
        assert gp.guard.outside == [] and gp.guard.errors == []


def test_paths_between_two_picked_nodes(helsinki_store: GraphStore, browser: Browser, app_server: ServerFor) -> None:
    server = app_server(helsinki_store)
    with guarded_page(browser) as gp:
        open_explorer(gp, server, "/?key=tallinn&depth=1")
        gp.page.evaluate("window.__pgMap.showNode('tallinn')")
        gp.page.click("#pg-details button[data-action='path-start']")
        search_and_open(gp, "Eurocities", "eurocities")
        gp.page.click("#pg-details button[data-action='path-end']")
        assert "Tallinn" in gp.page.inner_text("#pg-path-text")
        gp.page.click("#pg-path-go")
        gp.page.wait_for_function("() => Number(document.body.dataset.paths) > 0", timeout=15_000)
        selected = gp.page.evaluate("network.getSelectedNodes()")
        assert {"tallinn", "eurocities"} <= set(selected)
        gp.screenshot("paths-between-two-picked-nodes")
        assert gp.guard.outside == [] and gp.guard.errors == []


def test_exports_of_the_current_view(
    helsinki_store: GraphStore, browser: Browser, app_server: ServerFor, tmp_path: Path
) -> None:
    server = app_server(helsinki_store)
    with guarded_page(browser) as gp:
        open_explorer(gp, server, "/?key=helsinki&depth=1")
        png = gp.page.evaluate("window.__pgMap.pngDataURL()")
        assert png.startswith("data:image/png;base64,") and len(png) > 5_000
        visible = set(gp.page.evaluate("window.__pgMap.visibleKeys()"))
        with gp.page.expect_download() as download:
            gp.page.click("#pg-export-menu summary")
            gp.page.click("#pg-export-graphml")
        graphml = Path(download.value.path()).read_text(encoding="utf-8")
        assert "<graphml" in graphml and 'id="helsinki"' in graphml
        assert graphml.count("<node ") == len(visible)
        with gp.page.expect_download() as download:
            gp.page.click("#pg-export-menu summary")
            gp.page.click("#pg-download-html")
        saved = tmp_path / "view.html"
        download.value.save_as(saved)
        assert "vis.js is dual licensed" in saved.read_text(encoding="utf-8")
        gp.screenshot("exports-of-the-current-view")
        assert gp.guard.outside == [] and gp.guard.errors == []


def plant(store: GraphStore) -> None:
    schema = store.schema
    quote = "<script>window.__xss=2</script> quoted"
    store.apply(
        Batch(
            nodes=[
                parse_node(schema, {"key": "helsinki", "kind": "City", "name_en": "Helsinki"}, "helsinki"),
                parse_node(
                    schema,
                    {
                        "key": "evil",
                        "kind": "Organisation",
                        "name_en": XSS,
                        "aliases": ["Evil Corp"],
                        "sources": [{"doc": "doc", "section": XSS, "quote": quote}],
                    },
                    "evil",
                ),
                parse_node(
                    schema,
                    {
                        "key": "contact-person",
                        "kind": "Person",
                        "name_en": "Contact Person",
                        "email": "contact.person@example.org",
                        "phone": "+358 40 555 0101",
                    },
                    "person",
                ),
            ],
            relations=[
                parse_relation(schema, {"start": "evil", "type": "PARTNER_OF", "end": "helsinki"}, "r1"),
                parse_relation(schema, {"start": "contact-person", "type": "CONTACT_FOR", "end": "helsinki"}, "r2"),
            ],
        )
    )


def test_hostile_names_stay_text_and_contacts_need_the_contacts_role(
    store: GraphStore, browser: Browser, app_server: ServerFor
) -> None:
    plant(store)
    server = app_server(store, fresh=True)
    with guarded_page(browser) as gp:
        open_explorer(gp, server, "/?key=helsinki&depth=1")
        search_and_open(gp, "Evil Corp", "evil")
        gp.hover_node("evil")
        gp.page.wait_for_selector("#pg-tooltip:not([hidden])", timeout=5_000)
        assert XSS in gp.page.inner_text("#pg-tooltip")
        gp.click_node("evil")
        gp.page.wait_for_selector("#pg-details .pg-quote", timeout=5_000)
        assert XSS in gp.page.inner_text("#pg-details .pg-node-name")
        assert "<script>window.__xss=2</script> quoted" in gp.page.inner_text("#pg-details")
        gp.page.wait_for_timeout(200)
        assert gp.page.evaluate("typeof window.__xss") == "undefined"
        assert gp.page.query_selector("#pg-details img, #pg-tooltip img") is None
        # The slide picture carries the name as escaped text, never as markup.
        svg = gp.page.evaluate("window.__pgMap.composeSVG(window.__pgExplorer.slideMeta())")
        assert "&lt;img src=x onerror=window.__xss=1&gt;" in svg and "<img" not in svg

        # Anonymous reader: who to contact about Helsinki, but no e-mail or phone.
        gp.page.evaluate("window.__pgMap.showNode('helsinki')")
        gp.page.click("#pg-details button[data-action='contacts']")
        gp.page.wait_for_selector("#pg-details .pg-contact-list", timeout=10_000)
        contacts = gp.page.inner_text("#pg-details .pg-contacts")
        assert "Contact Person" in contacts and "CONTACT_FOR" in contacts
        assert "contacts role" in contacts and "example.org" not in gp.page.content()

        # With a contacts key pasted into the page (which reloads the view): the e-mail and phone appear.
        views = gp.page.evaluate("() => Number(document.body.dataset.views)")
        gp.page.click("#pg-key-button")
        gp.page.fill("#pg-key-input", CONTACTS_KEY)
        gp.page.press("#pg-key-input", "Enter")
        gp.page.wait_for_function("() => document.getElementById('pg-role').textContent.includes('contacts')")
        gp.page.wait_for_function("n => Number(document.body.dataset.views) > n", arg=views, timeout=10_000)
        gp.page.evaluate("window.__pgMap.showNode('helsinki')")
        gp.page.click("#pg-details button[data-action='contacts']")
        gp.page.wait_for_selector("#pg-details .pg-contacts a[href^='mailto:']", timeout=10_000)
        contacts = gp.page.inner_text("#pg-details .pg-contacts")
        assert "contact.person@example.org" in contacts and "+358 40 555 0101" in contacts
        assert gp.page.evaluate("sessionStorage.getItem('partnergraph.apiKey')") == CONTACTS_KEY
        gp.screenshot("hostile-names-stay-text-and-contacts-need-the-contacts-role")
        assert gp.guard.outside == [] and gp.guard.errors == []
