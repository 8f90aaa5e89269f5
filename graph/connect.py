"""Open the configured store: Neo4j when a URI is given, otherwise the embedded ArcadeDB."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.bolt import BoltStore
from graph.embedded import DATABASE, EmbeddedServer


@dataclass(frozen=True)
class StoreConfig:
    """What it takes to reach a store; built from the app settings, kept free of them."""

    data_dir: Path
    neo4j_uri: str | None = None
    neo4j_username: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    heap: str = "512m"
    command_timeout_ms: int = 30_000


@contextlib.contextmanager
def open_store(config: StoreConfig, *, ensure_schema: bool = True) -> Iterator[BoltStore]:
    """Yield a ready store; an embedded server started here is stopped on exit, whatever happens."""
    if config.neo4j_uri:
        auth = (config.neo4j_username, config.neo4j_password) if config.neo4j_password else None
        with BoltStore(config.neo4j_uri, auth, config.neo4j_database) as store:
            if ensure_schema:
                store.ensure_schema()
            yield store
        return
    server = EmbeddedServer(config.data_dir, heap=config.heap, command_timeout_ms=config.command_timeout_ms)
    try:
        state = server.start()
        with BoltStore(state.uri, server.auth, DATABASE, readonly_auth=server.reader_auth) as store:
            if ensure_schema:
                store.ensure_schema()
            yield store
    finally:
        server.close()
