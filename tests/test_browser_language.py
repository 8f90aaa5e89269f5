"""The explorer's language switch in headless Chromium (outside network blocked): picking Swedish
renders the page, its scripts' texts and the map in Swedish, and it stays Swedish after a reload
and in a new tab of the same browser (the remembered choice), with no request to another host."""

from __future__ import annotations

import time
from collections.abc import Callable

import browser_util
import pytest
from browser_util import AppServer, guarded_page
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from graph.store import GraphStore
from i18n import COOKIE, gettext

pytestmark = pytest.mark.browser
browser = browser_util.browser  # the session's Chromium (a fixture)
app_server = browser_util.app_server  # the app serving a store (a fixture)

ServerFor = Callable[..., AppServer]


def texts(page: Page) -> dict[str, str]:
    """What the page shows in places its template, its scripts and the map each fill in."""
    shown: dict[str, str] = page.evaluate(
        """() => ({
            lang: document.documentElement.lang,
            search: document.querySelector('#pg-search button[type=submit]').textContent,
            kinds: document.querySelector('#pg-kind-filter summary').textContent,
            legend: document.querySelector('#pg-legend h2').textContent,
            stats: document.getElementById('pg-stats').textContent,
            title: document.getElementById('pg-view-title').textContent,
        })"""
    )
    return shown


def wait_for_swedish(page: Page, timeout_s: float = 30) -> None:
    """Until the page is the Swedish explorer, ready; across the reloads the switch makes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            page.wait_for_function(
                "() => document.documentElement.lang === 'sv' && window.__pgReady === true", timeout=2_000
            )
            return
        except PlaywrightError:  # a navigation destroyed the context, or not yet
            assert time.monotonic() < deadline, "the explorer did not come up in Swedish"


def test_the_explorer_switches_to_swedish_and_stays_swedish(
    helsinki_store: GraphStore, browser: Browser, app_server: ServerFor
) -> None:
    server = app_server(helsinki_store)
    with guarded_page(browser) as gp:
        gp.guard.allowed_hosts.add(server.host)
        gp.page.context.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})
        gp.page.goto(server.url + "/")
        gp.wait_ready()
        before = texts(gp.page)
        assert before["lang"] == "en" and before["search"] == "Search" and before["legend"] == "Legend"

        with gp.page.expect_navigation():
            gp.page.select_option("#pg-lang", "sv")
        wait_for_swedish(gp.page)
        swedish = texts(gp.page)
        assert swedish["search"] == gettext("sv", "Search")
        assert swedish["kinds"].startswith(gettext("sv", "Kinds"))
        assert swedish["legend"] == gettext("sv", "Legend")  # drawn by map.js from the catalogue
        assert gettext("sv", "{count} nodes", count="").strip() in swedish["stats"]
        assert swedish["title"].startswith(gettext("sv", "Neighbourhood of {names}", names="").strip())
        cookie = {c["name"]: c["value"] for c in gp.page.context.cookies()}
        assert cookie.get(COOKIE) == "sv"
        assert gp.page.evaluate("localStorage.getItem('partnergraph.lang')") == "sv"

        gp.page.reload()
        gp.wait_ready()
        assert texts(gp.page) == swedish, "the choice did not survive a reload"
        gp.screenshot("the-explorer-in-swedish")

        # A new tab of the same browser (same cookie jar) opens in Swedish too, despite Accept-Language.
        other = gp.page.context.new_page()
        other.route("**/*", gp.guard.handle)
        other.goto(server.url + "/")
        other.wait_for_function("() => window.__pgReady === true")
        assert texts(other)["lang"] == "sv"

        # The cookie lost, localStorage brings the choice back.
        gp.page.context.clear_cookies()
        gp.page.goto(server.url + "/")
        wait_for_swedish(gp.page)
        assert gp.guard.outside == [], gp.guard.outside
        assert gp.guard.errors == [], gp.guard.errors
        assert not [m for m in gp.guard.console if "Content Security Policy" in m]
