"""The API documentation pages in headless Chromium with every outside request blocked: Swagger UI
at /docs and ReDoc at /redoc draw the operations from the project's own assets, under the CSP."""

from __future__ import annotations

from collections.abc import Callable

import browser_util
import pytest
from browser_util import AppServer, guarded_page
from playwright.sync_api import Browser

from graph.store import GraphStore

pytestmark = pytest.mark.browser
browser = browser_util.browser  # the session's Chromium (a fixture)
app_server = browser_util.app_server  # the app serving a store (a fixture)

ServerFor = Callable[..., AppServer]


def test_swagger_ui_renders_the_operations_offline(
    helsinki_store: GraphStore, browser: Browser, app_server: ServerFor
) -> None:
    server = app_server(helsinki_store)
    with guarded_page(browser, {server.host}) as gp:
        response = gp.page.goto(server.url + "/docs")
        assert response is not None and response.status == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        gp.page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = gp.page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.textContent.trim())")
        assert "/partners" in [p.replace("\u200b", "") for p in paths]
        assert len(paths) > 20
        gp.page.click("#operations-themes-get_partners_partners_get .opblock-summary")  # an operation opens
        gp.page.wait_for_selector("#operations-themes-get_partners_partners_get .parameters", timeout=10_000)
        gp.screenshot("docs-swagger")
        assert gp.guard.outside == [], f"outside requests: {gp.guard.outside}"
        assert gp.guard.errors == [] and gp.guard.console == []
        assert any(url.endswith("/docs/assets/swagger-ui-bundle.js") for url in gp.guard.inside)


def test_redoc_renders_the_operations_offline(
    helsinki_store: GraphStore, browser: Browser, app_server: ServerFor
) -> None:
    server = app_server(helsinki_store)
    with guarded_page(browser, {server.host}) as gp:
        gp.page.goto(server.url + "/redoc")
        gp.page.wait_for_function("() => document.body.dataset.docsReady === '1'", timeout=30_000)
        gp.page.wait_for_selector("[data-section-id^='operation/']", timeout=10_000)
        text = gp.page.inner_text("body")
        assert "partnergraph" in text and "/partners" in text
        gp.screenshot("docs-redoc")
        assert gp.guard.outside == [], f"outside requests: {gp.guard.outside}"
        assert gp.guard.errors == [] and gp.guard.console == []
        assert any(url.endswith("/docs/assets/redoc.standalone.js") for url in gp.guard.inside)
