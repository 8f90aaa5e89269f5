"""Composition root shared by the CLI and the API: settings in, a ready store out."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from graph.connect import open_store
from graph.store import GraphStore
from partnergraph.settings import Settings, get_settings


@contextlib.contextmanager
def store_from_settings(settings: Settings | None = None, *, supervise: bool = False) -> Iterator[GraphStore]:
    """The configured store; an embedded server started for this is stopped on exit, Ctrl-C or error
    (and, with `supervise`, restarted whenever it dies)."""
    with open_store((settings or get_settings()).store_config(), supervise=supervise) as store:
        yield store
