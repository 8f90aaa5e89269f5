"""The graph's topology held in memory in compact arrays, refreshed when the database says it moved.

Breadth-first questions (neighbourhood, paths) need only who is linked to whom, by which type and
when; asking the database for that hop by hop costs a round trip and a query per hop. The
projection holds it in numpy arrays (a CSR index of each entity's relations), built from two reads
and tagged with the change counter stored in the database (`store.data_version()`), which every
write of every process bumps in its own transaction. Each use reads that counter once (one indexed
read); when it moved, the projection is rebuilt before answering, so no answer is ever stale.
Properties and provenance stay in the database: answers still read them there.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.store import GraphStore


@dataclass(frozen=True)
class Projection:
    """Entities and relations as arrays; `hop` yields exactly the rows `q_neighbours` returns."""

    keys: list[str]
    kinds: list[str]
    index: dict[str, int]
    starts: npt.NDArray[np.int32]  # per relation, in the stored direction
    ends: npt.NDArray[np.int32]
    types: list[str]
    since: list[Any]
    until: list[Any]
    indptr: npt.NDArray[np.int64]  # CSR: the relations of entity i are rels[indptr[i]:indptr[i + 1]]
    rels: npt.NDArray[np.int32]

    @classmethod
    def build(cls, store: GraphStore) -> Projection:
        nodes = sorted(store.read("q_projection_nodes"), key=lambda row: str(row["key"]))
        keys = [str(row["key"]) for row in nodes]
        kinds = [str(row["kind"]) for row in nodes]
        index = {key: i for i, key in enumerate(keys)}
        rows = store.read("q_projection_relations")
        starts = np.fromiter((index[row["start"]] for row in rows), dtype=np.int32, count=len(rows))
        ends = np.fromiter((index[row["end"]] for row in rows), dtype=np.int32, count=len(rows))
        # Each relation is listed under both its ends (no self-relations: the model refuses them).
        owner = np.concatenate([starts, ends])
        order = np.argsort(owner, kind="stable")
        rels = (order % max(len(rows), 1)).astype(np.int32)
        indptr = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(keys)), out=indptr[1:])
        return cls(
            keys=keys,
            kinds=kinds,
            index=index,
            starts=starts,
            ends=ends,
            types=[str(row["type"]) for row in rows],
            since=[row["since"] for row in rows],
            until=[row["until"] for row in rows],
            indptr=indptr,
            rels=rels,
        )

    def hop(self, keys: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The relations of `keys` in both directions, as `q_neighbours` rows."""
        for key in set(keys):
            i = self.index.get(key)
            if i is None:
                continue
            for r in self.rels[self.indptr[i] : self.indptr[i + 1]].tolist():
                s, e = int(self.starts[r]), int(self.ends[r])
                other = e if s == i else s
                yield {
                    "start": self.keys[s],
                    "end": self.keys[e],
                    "type": self.types[r],
                    "other": self.keys[other],
                    "other_kind": self.kinds[other],
                    "since": self.since[r],
                    "until": self.until[r],
                }


@dataclass
class _Slot:
    lock: threading.Lock
    version: tuple[int, str] | None = None
    projection: Projection | None = None


_SLOTS: weakref.WeakKeyDictionary[GraphStore, _Slot] = weakref.WeakKeyDictionary()
_SLOTS_LOCK = threading.Lock()


def projection(store: GraphStore) -> Projection:
    """The store's projection as of now: rebuilt first if the database's change counter moved."""
    with _SLOTS_LOCK:
        slot = _SLOTS.get(store)
        if slot is None:
            slot = _SLOTS[store] = _Slot(threading.Lock())
    version = store.data_version()  # read before building: a write during the build makes it stale
    with slot.lock:
        if slot.projection is None or slot.version != version:
            slot.projection, slot.version = Projection.build(store), version
        return slot.projection
