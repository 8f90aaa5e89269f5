"""The names of the statements a store reads, recorded while a block runs (the one-read tests)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from graph.store import GraphStore


@contextlib.contextmanager
def reads_of(store: GraphStore) -> Iterator[list[str]]:
    """Yields the list of statement names `read` and `read_values` are asked for within the block."""
    names: list[str] = []

    def recorded(reader: Callable[..., Any]) -> Callable[..., Any]:
        def call(name: str, *args: Any, **options: Any) -> Any:
            names.append(name)
            return reader(name, *args, **options)

        return call

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "read", recorded(store.read))
        patch.setattr(store, "read_values", recorded(store.read_values))
        yield names
