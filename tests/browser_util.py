"""Headless Chromium for the browser tests: one browser per session, outside requests blocked and
counted, the app served by uvicorn in a background thread.

Test modules import the fixtures they use (`from browser_util import browser, ...`); pytest picks
fixtures up from a module's namespace. The browser is shared across modules through a module-level
singleton, so the whole session launches Chromium once.

Chromium is Debian's `chromium` package (tools/ensure-chromium.sh installs it; `make test` runs
that). When it is missing the tests FAIL, they do not skip.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from api.app import create_app
from bench.perf import CHROMIUM_ARGS  # one list of launch flags for tests, bench and viz
from graph.store import GraphStore
from partnergraph.access import hash_key
from partnergraph.settings import ApiKeyEntry, Settings

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # screenshots of each flow (git-ignored)
CONTACTS_KEY = "pg_browser_contacts_" + "c" * 24
READER_KEY = "pg_browser_reader_" + "r" * 24


def chromium_executable() -> str:
    path = shutil.which("chromium")
    assert path is not None, (
        "Debian's chromium is not installed: run tools/ensure-chromium.sh (make test does) - "
        "the browser tests need /usr/bin/chromium"
    )
    return path


class _Shared:
    playwright: Playwright | None = None
    browser: Browser | None = None


def _close_shared() -> None:
    if _Shared.browser is not None:
        _Shared.browser.close()
        _Shared.browser = None
    if _Shared.playwright is not None:
        _Shared.playwright.stop()
        _Shared.playwright = None


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Browser:
    """The session's headless Chromium (launched once, however many modules ask for it)."""
    if _Shared.browser is None:
        executable = chromium_executable()
        _Shared.playwright = sync_playwright().start()
        _Shared.browser = _Shared.playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        request.session.config.add_cleanup(_close_shared)
    return _Shared.browser


@dataclass
class Guard:
    """Counts (and aborts) every request to a host other than the allowed ones."""

    allowed_hosts: set[str]
    outside: list[str] = field(default_factory=list)
    inside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)  # console errors (a CSP refusal shows here)

    def handle(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        local = parts.scheme in ("file", "data", "blob", "about") or parts.netloc in self.allowed_hosts
        if local:
            self.inside.append(url)
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


@dataclass
class GuardedPage:
    page: Page
    guard: Guard

    def screenshot(self, name: str) -> Path:
        """Save a screenshot of the page as tests/artifacts/<name>.png (kept for people to look at)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def wait_ready(self, timeout: float = 30_000) -> None:
        self.page.wait_for_function("() => window.__pgReady === true", timeout=timeout)

    def node_point(self, key: str) -> tuple[float, float]:
        """Where node `key` is on the screen (page coordinates), after centring it at scale 1."""
        x, y = self.page.evaluate(
            """key => {
                const net = window.network;
                net.moveTo({position: net.getPosition(key), scale: 1.0});
                const dom = net.canvasToDOM(net.getPosition(key));
                const box = document.getElementById('pg-network').getBoundingClientRect();
                return [box.left + dom.x, box.top + dom.y];
            }""",
            key,
        )
        self.page.wait_for_timeout(60)
        return float(x), float(y)

    def click_node(self, key: str) -> None:
        x, y = self.node_point(key)
        on_top = self.page.evaluate(
            """([x, y]) => {
                const box = document.getElementById('pg-network').getBoundingClientRect();
                return window.network.getNodeAt({x: x - box.left, y: y - box.top});
            }""",
            [x, y],
        )
        assert on_top == key, f"{on_top!r} is drawn over {key!r}"
        self.page.mouse.click(x, y)

    def hover_node(self, key: str) -> None:
        x, y = self.node_point(key)
        self.page.mouse.move(x - 40, y - 40)
        self.page.mouse.move(x, y, steps=4)

    def canvas_ink(self) -> int:
        """How many pixels of the map's canvas are drawn (not transparent and not white)."""
        return int(
            self.page.evaluate(
                """() => {
                    const canvas = document.querySelector('#pg-network canvas');
                    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                    let ink = 0;
                    for (let i = 0; i < data.length; i += 4) {
                        if (data[i + 3] > 0 && (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245)) ink++;
                    }
                    return ink;
                }"""
            )
        )


@contextlib.contextmanager
def guarded_page(
    browser: Browser, allowed_hosts: set[str] | None = None, viewport: tuple[int, int] = (1400, 900)
) -> Iterator[GuardedPage]:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    guard = Guard(allowed_hosts or set())
    page = context.new_page()
    page.route("**/*", guard.handle)
    page.on("pageerror", lambda exc: guard.errors.append(str(exc)))
    page.on("console", lambda msg: guard.console.append(msg.text) if msg.type == "error" else None)
    try:
        yield GuardedPage(page, guard)
    finally:
        context.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def browser_settings(tmp: Path) -> Settings:
    """Anonymous reader on loopback (the default), plus a reader and a contacts key."""
    return Settings(
        api_keys=[
            ApiKeyEntry(name="browser-reader", role="reader", sha256=hash_key(READER_KEY)),
            ApiKeyEntry(name="browser-contacts", role="contacts", sha256=hash_key(CONTACTS_KEY)),
        ],
        audit_log=tmp / "audit.jsonl",
        host="127.0.0.1",
        anonymous=None,
        cors_origins=[],
        # The browser tests click faster than a person; the limits have tests of their own.
        rate_limit_network="none",
        rate_limit_maps="none",
    )


@dataclass
class AppServer:
    url: str
    host: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_app(store: GraphStore, tmp: Path) -> AppServer:
    """The real app (create_app) on a free loopback port, in a daemon thread."""
    port = free_port()
    app = create_app(browser_settings(tmp), store=store)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    return AppServer(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", server, thread)


class _Servers:
    by_store: dict[int, AppServer] = {}  # noqa: RUF012 - a process-wide cache on purpose


def _stop_servers() -> None:
    for server in _Servers.by_store.values():
        server.stop()
    _Servers.by_store.clear()


@pytest.fixture
def app_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., AppServer]]:
    """`app_server(store)`: the app serving that store, started once per store for the session;
    `app_server(store, fresh=True)`: a new app for this test only (after writing to the store
    directly, so that nothing the app keeps in memory, such as its search index, is stale)."""
    fresh_servers: list[AppServer] = []

    def get(store: GraphStore, *, fresh: bool = False) -> AppServer:
        if fresh:
            server = start_app(store, tmp_path_factory.mktemp("browser-app"))
            fresh_servers.append(server)
            return server
        cached = _Servers.by_store.get(id(store))
        if cached is None:
            if not _Servers.by_store:
                request.session.config.add_cleanup(_stop_servers)
            cached = start_app(store, tmp_path_factory.mktemp("browser-app"))
            _Servers.by_store[id(store)] = cached
        return cached

    yield get
    for server in fresh_servers:
        server.stop()
