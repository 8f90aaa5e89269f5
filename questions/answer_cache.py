"""Answers kept until the data changes: a question asked again at the same change counter gets the
answer built the first time, as it was built.

An answer's key names everything it depends on besides the data (the question, its parameters,
the page, whether personal fields are shown, a map's language); the data's state is the change
counter stored in the database (`store.data_version()`), which every committed write of every
process moves. The caller reads the counter after its request arrived (graph/coalesce.py) and
before it reads anything else, so an answer built at counter V was read from V or later, and is
served only to requests that read V themselves: none gets an answer older than its arrival. When a
newer counter is read the older answers are dropped; memory is bounded in bytes, least recently
used out. Each process keeps its own.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from graph.store import GraphStore

T = TypeVar("T")
Version = tuple[int, str]
ENTRY_OVERHEAD = 256  # bytes an entry costs beyond its answer: the key, the tuple, the dict slot
LARGEST_SHARE = 8  # an answer larger than the budget / this is not kept: it would push out many others


@dataclass
class _Held:
    version: Version | None = None
    entries: OrderedDict[Hashable, tuple[Any, int]] = field(default_factory=OrderedDict)
    size: int = 0


class AnswerCache:
    """`answer(store, key, build, size)`: `build()`'s value, or the one kept for `key` at the change
    counter read first. A budget of 0 keeps nothing (and reads no counter)."""

    def __init__(self, budget_bytes: int):
        self.budget = max(0, budget_bytes)
        self._held: weakref.WeakKeyDictionary[GraphStore, _Held] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self.hits = 0  # for tests and the benchmark
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.budget > 0

    def answer(
        self, store: GraphStore, key: Hashable, build: Callable[[], T], size: Callable[[T], int],
        *, version: Version | None = None,
    ) -> T:  # fmt: skip
        """`version`: the counter this request already read (a pinned view's); else it is read here,
        before `build` reads anything: what is kept at it was read from it or later."""
        if not self.enabled:
            return build()
        if version is None:
            version = store.data_version()
        with self._lock:
            held = self._held.get(store)
            found = held.entries.get(key) if held is not None and held.version == version else None
            if found is not None:
                assert held is not None
                held.entries.move_to_end(key)
                self.hits += 1
                return cast(T, found[0])
            self.misses += 1
        value = build()  # outside the lock: answers of other keys go on meanwhile
        cost = size(value) + ENTRY_OVERHEAD
        if cost <= self.budget // LARGEST_SHARE:
            self._keep(store, version, key, value, cost)
        return value

    def _keep(self, store: GraphStore, version: Version, key: Hashable, value: Any, cost: int) -> None:
        with self._lock:
            held = self._held.setdefault(store, _Held())
            if held.version != version:  # the counter moved (or a slow build's older one): the rest is dropped
                held.version, held.entries, held.size = version, OrderedDict(), 0
            old = held.entries.pop(key, None)
            if old is not None:
                held.size -= old[1]
            held.entries[key] = (value, cost)
            held.size += cost
            while held.size > self.budget:
                _, (_, dropped) = held.entries.popitem(last=False)
                held.size -= dropped

    def held_bytes(self, store: GraphStore) -> int:
        with self._lock:
            held = self._held.get(store)
            return held.size if held is not None else 0
