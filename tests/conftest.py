"""Shared fixtures: real servers only.

The embedded ArcadeDB server always runs (a failure to start fails the suite; it never skips).
When NEO4J_URI is set, every `store` test runs against that Neo4j too: one contract suite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.bolt import BoltStore
from graph.embedded import DATABASE, EmbeddedServer
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ["arcadedb"] + (["neo4j"] if os.environ.get("NEO4J_URI") else [])


@dataclass
class Backend:
    name: str
    store: BoltStore
    contents: str | None = None  # what the graph holds now: None (unknown/dirty) or "helsinki"


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(tmp_path_factory.mktemp("arcadedb"))
    server.start()  # raises EmbeddedStartError with the log's tail: a failure, not a skip
    yield server
    server.stop()


@pytest.fixture(scope="session")
def backends(embedded_server: EmbeddedServer) -> Iterator[dict[str, Backend]]:
    state = embedded_server.state
    assert state is not None
    out = {
        "arcadedb": Backend(
            "arcadedb", BoltStore(state.uri, embedded_server.auth, DATABASE, readonly_auth=embedded_server.reader_auth)
        )
    }
    if "neo4j" in BACKENDS:
        user, password = os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ.get("NEO4J_PASSWORD")
        out["neo4j"] = Backend(
            "neo4j",
            BoltStore(
                os.environ["NEO4J_URI"], (user, password) if password else None, os.environ.get("NEO4J_DATABASE")
            ),
        )
    for backend in out.values():
        backend.store.ensure_schema()
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
    lines = [f"contract backends: {', '.join(BACKENDS)} (over Bolt with the official neo4j driver)"]
    if "neo4j" not in BACKENDS:
        lines.append("NEO4J_URI not set: the contract suite runs against the embedded ArcadeDB only")
    return lines


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
    backend: Backend, embedded_server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Point in-process CLI commands, through the Neo4j variables, at the server `backend` is."""
    from partnergraph.settings import get_settings

    if backend.name == "arcadedb":
        assert embedded_server.state is not None
        user, password = embedded_server.auth
        env = {"NEO4J_URI": embedded_server.state.uri, "NEO4J_USERNAME": user, "NEO4J_PASSWORD": password}
        env["NEO4J_DATABASE"] = DATABASE
    else:
        env = {k: v for k, v in os.environ.items() if k.startswith("NEO4J_")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
