"""Open the configured store: a Neo4j given by URI, otherwise a database partnergraph manages itself."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from graph.bolt import BoltStore
from graph.embedded import ArcadeDBServer
from graph.managed import ManagedServer
from graph.neo4j_server import Neo4jServer

Engine = Literal["arcadedb", "neo4j"]
ENGINES: dict[str, type[ArcadeDBServer] | type[Neo4jServer]] = {"arcadedb": ArcadeDBServer, "neo4j": Neo4jServer}


@dataclass(frozen=True)
class StoreConfig:
    """What it takes to reach a store; built from the app settings, kept free of them."""

    data_dir: Path
    neo4j_uri: str | None = None
    neo4j_username: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    embedded: Engine = "arcadedb"
    heap: str = "512m"
    command_timeout_ms: int | None = None  # None: the engine's own default


def managed_server(config: StoreConfig) -> ManagedServer:
    """The server partnergraph starts itself when no URI is given (ArcadeDB unless told otherwise)."""
    engine = ENGINES[config.embedded]
    if config.command_timeout_ms is None:
        return engine(config.data_dir, heap=config.heap)
    return engine(config.data_dir, heap=config.heap, command_timeout_ms=config.command_timeout_ms)


def store_for(server: ManagedServer) -> BoltStore:
    """A store on a started managed server."""
    return BoltStore(
        server.uri, server.auth, server.database, readonly_auth=server.readonly_auth, down=server.down.is_set
    )


@contextlib.contextmanager
def open_store(config: StoreConfig, *, ensure_schema: bool = True, supervise: bool = False) -> Iterator[BoltStore]:
    """Yield a ready store; a managed server started here is stopped on exit, whatever happens.

    `supervise` (long-running processes: `serve`) restarts a managed server that dies."""
    if config.neo4j_uri:
        auth = (config.neo4j_username, config.neo4j_password) if config.neo4j_password else None
        with BoltStore(config.neo4j_uri, auth, config.neo4j_database) as store:
            if ensure_schema:
                store.ensure_schema()
            yield store
        return
    server = managed_server(config)
    try:
        server.start()
        with store_for(server) as store:
            if supervise:
                # Clients get a fast 503 until the restarted server has planned its statements.
                server.on_restart.append(store.warm_up)
                server.supervise()
            if ensure_schema:
                store.ensure_schema()
            yield store
    finally:
        server.close()
