"""Shared fixtures: real servers only.

Both managed databases always run: the embedded ArcadeDB and Neo4j Community 5.26 (built from
Maven Central by tools/neo4j-server). A server that cannot start fails the suite; it never skips.
Every `store` test runs on each of them (Neo4j through the routing `neo4j://` driver), and on an
external Neo4j too when NEO4J_URI is set: one contract suite.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.bolt import BoltStore
from graph.connect import store_for
from graph.embedded import ArcadeDBServer
from graph.managed import ManagedServer, start_all
from graph.neo4j_server import Neo4jServer
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load

ROOT = Path(__file__).resolve().parents[1]
# The CLI speaks the locale's language; the tests read its English (tests/test_i18n.py the others).
os.environ["PARTNERGRAPH_LANG"] = "en"
MANAGED = ["arcadedb", "neo4j"]
BACKENDS = MANAGED + (["neo4j-uri"] if os.environ.get("NEO4J_URI") else [])
# The console test's time limit; the managed Neo4j's server-wide ceiling stays above it.
SERVER_TX_TIMEOUT_MS = 60_000


@dataclass
class Backend:
    name: str
    store: BoltStore
    contents: str | None = None  # what the graph holds now: None (unknown/dirty) or "helsinki"


@pytest.fixture(scope="session")
def managed_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ManagedServer]]:
    folder = tmp_path_factory.mktemp("databases")
    servers: dict[str, ManagedServer] = {
        "arcadedb": ArcadeDBServer(folder),
        "neo4j": Neo4jServer(folder, command_timeout_ms=SERVER_TX_TIMEOUT_MS),
    }
    # Side by side; raises ServerStartError with the log's tail: a failure, not a skip.
    start_all(list(servers.values()))
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def embedded_server(managed_servers: dict[str, ManagedServer]) -> ManagedServer:
    return managed_servers["arcadedb"]


@pytest.fixture(scope="session")
def backends(managed_servers: dict[str, ManagedServer]) -> Iterator[dict[str, Backend]]:
    out = {name: Backend(name, store_for(server)) for name, server in managed_servers.items()}
    if "neo4j-uri" in BACKENDS:
        user, password = os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ.get("NEO4J_PASSWORD")
        out["neo4j-uri"] = Backend(
            "neo4j-uri",
            BoltStore(
                os.environ["NEO4J_URI"], (user, password) if password else None, os.environ.get("NEO4J_DATABASE")
            ),
        )
    for name, backend in out.items():
        backend.store.ensure_schema()
        _AGENTS[name] = f"{backend.store.info().agent} at {backend.store.uri}"
    yield out
    for backend in out.values():
        backend.store.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, backends: dict[str, Backend]) -> Backend:
    return backends[request.param]


@pytest.fixture
def store(backend: Backend) -> GraphStore:
    """An empty graph on each available server."""
    backend.store.clear()
    backend.contents = None
    return backend.store


@pytest.fixture
def helsinki_store(backend: Backend) -> GraphStore:
    """The Helsinki dataset, loaded once and reused until a test empties the graph.

    Tests using it must not write; those that do take `store` and load what they need."""
    if backend.contents != "helsinki":
        backend.store.clear()
        load(backend.store, [(DEFAULT_DATASET, "dataset")])
        backend.contents = "helsinki"
    return backend.store


def pytest_report_header(config: pytest.Config) -> list[str]:
    from importlib.metadata import version

    from graph.neo4j_server import pinned_version

    return [
        f"contract backends: {', '.join(BACKENDS)} (over Bolt with the official neo4j driver {version('neo4j')})",
        f"servers: arcadedb {version('arcadedb-embedded')} (PyPI arcadedb-embedded), "
        f"neo4j {pinned_version()} (Neo4j Community from Maven Central, tools/neo4j-server)"
        + (f", and {os.environ['NEO4J_URI']}" if "neo4j-uri" in BACKENDS else ""),
    ]


_PASSED: Counter[str] = Counter()
_FAILED: Counter[str] = Counter()
_AGENTS: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count results per database, from the test id's backend parameter."""
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    name = next((b for b in BACKENDS if f"[{b}" in report.nodeid or f"-{b}]" in report.nodeid), None)
    if name is None:
        return
    (_PASSED if report.outcome == "passed" else _FAILED)[name] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _PASSED and not _FAILED:
        return
    terminalreporter.section("per database")
    for name in BACKENDS:
        agent = _AGENTS.get(name, "(only servers of its own)")
        terminalreporter.line(f"{name:10} {agent:48} {_PASSED[name]} passed, {_FAILED[name]} failed")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On a full, green run, every Cypher file must have been run by some test."""
    from graph.cypher import REGISTRY

    options = session.config.option
    full_run = not options.keyword and not options.markexpr and not getattr(options, "lf", False)
    full_run = full_run and all(Path(a).resolve() == ROOT / "tests" for a in session.config.args or ["tests"])
    unused = sorted(set(REGISTRY.names()) - REGISTRY.used)
    if full_run and exitstatus == 0 and unused:
        session.config.get_terminal_writer().line(f"Cypher files no test ran: {unused}", red=True)
        session.exitstatus = 1


@pytest.fixture
def cli_on_backend(
    backend: Backend, managed_servers: dict[str, ManagedServer], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Point in-process CLI commands, through the Neo4j variables, at the server `backend` is."""
    from partnergraph.settings import get_settings

    if backend.name in managed_servers:
        server = managed_servers[backend.name]
        user, password = server.auth
        env = {"NEO4J_URI": backend.store.uri, "NEO4J_USERNAME": user, "NEO4J_PASSWORD": password}
        env["NEO4J_DATABASE"] = server.database
    else:
        env = {k: v for k, v in os.environ.items() if k.startswith("NEO4J_")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
