"""Staged loads: a batch too large for one transaction, committed in chunks and still all or nothing.

One transaction of 10^5 nodes and 4·10^5 relations needs more than the default 512 MB JVM heap on
both servers (ArcadeDB keeps every page the transaction touched in memory; Neo4j its transaction
state), and ArcadeDB's commit of it alone took 52 s. A staged load instead commits every
`STAGE_ROWS` records, and stays all or nothing by keeping, in the database and in the same
transaction as each chunk, what undoes it:

- **a lease** on the change counter's node (`Meta {key: 'generation'}`: `load`, `load_owner`,
  `load_beat`, `load_state`), taken in the first transaction. Every other write checks it in its
  own transaction (`meta_generation_bump` returns it) and is refused while it is held, so nothing
  else writes between the load's chunks: compensating can never undo someone else's acknowledged
  write, and no write can be based on a half load;
- **undo records** (`LoadUndo` nodes, bookkeeping like `Meta`: questions never match them): per
  chunk, the keys of the nodes, relations and contact cards it created, and the stored properties
  of every record it changed, as they were before (read by the existence check anyway);
- **one commit point**: the transaction that bumps the change counter (once for the whole load),
  records the receipt and sets `load_state` to `committed`. Before it, any failure rolls the load
  back chunk by chunk from its undo records; after it, only the bookkeeping is removed.

A crash mid-load (our process or the database) leaves the lease and the undo records of every
chunk that committed. The lease is stale when its owner's process is gone (same host) or silent for
`LEASE_STALE_S`; the next reader (`data_version`, i.e. every question), writer or store opening
(`ensure_schema`) that sees a stale lease rolls the load back (or, past its commit point, finishes
it) before going on. Caches (the projection, the search index) key on the change counter, which
moves only at the commit point and after a rollback, so they never hold a half load as current.

While a staged load runs, other writes are refused (`LoadInProgress`, a `WriteConflict`) and
uncached reads see the chunks committed so far: read uncommitted, for the load's duration only.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.managed import pid_alive
from graph.store import WriteConflict

STAGED_MIN = 50_000  # records (nodes + relations + provenance) from which `apply` commits in chunks
STAGE_ROWS = 20_000  # records per chunk transaction
LEASE_STALE_S = 600.0  # a lease whose owner has not written for this long is abandoned
PREFIX = "partnergraph_"  # bookkeeping property names on undo records; entity properties never start so


class LoadInProgress(WriteConflict):
    """Another process holds the load lease: writes wait until its staged load is done."""


def owner_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Lease:
    load: str
    owner: str
    beat: float
    state: str

    @classmethod
    def of(cls, row: Mapping[str, Any] | None) -> Lease | None:
        if not row or not row.get("load"):
            return None
        return cls(str(row["load"]), str(row.get("owner") or ""), float(row.get("beat") or 0.0),
                   str(row.get("state") or "running"))  # fmt: skip

    def stale(self, active: set[str]) -> bool:
        """Abandoned: its owner's process is gone, or it is ours but no load of ours runs it, or it
        has been silent for LEASE_STALE_S."""
        host, _, pid = self.owner.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            if int(pid) == os.getpid():
                return self.load not in active
            if not pid_alive(int(pid)):
                return True
        return time.time() - self.beat > LEASE_STALE_S


ACTIVE: set[str] = set()  # load ids this process is writing right now (all stores)


@dataclass
class Undo:
    """What one chunk must record to be undone: created keys, and before-images of changed records."""

    nodes: list[str] = field(default_factory=list)
    rel_starts: list[str] = field(default_factory=list)
    rel_ends: list[str] = field(default_factory=list)
    rel_keys: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)  # contact cards created for persons that existed
    images: list[dict[str, Any]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # records already imaged or created in this load

    def created_card(self, key: str) -> None:
        self.cards.append(key)
        self.seen.add("c:" + key)

    def created_node(self, key: str) -> None:
        self.nodes.append(key)
        self.seen.add("n:" + key)

    def created_relation(self, start: str, end: str, key: str) -> None:
        self.rel_starts.append(start)
        self.rel_ends.append(end)
        self.rel_keys.append(key)
        self.seen.add("r:" + key)

    def image(self, target: str, props: Mapping[str, Any], **ref: str) -> None:
        """The stored properties of a record about to change, once per record and load."""
        mark = target[0] + ":" + ref["key"]  # n:, r:, c: as in created_node / created_relation / cards
        if mark in self.seen:
            return
        self.seen.add(mark)
        row = {k: v for k, v in props.items() if not k.startswith(PREFIX)}
        row[PREFIX + "target"] = target
        row.update({PREFIX + name: value for name, value in ref.items()})
        self.images.append(row)

    def rows(self, load: str, seq: int) -> list[dict[str, Any]]:
        """The undo records of this chunk, for `load_undo_create`; then the chunk's lists are reset."""
        base = {PREFIX + "load": load, PREFIX + "seq": seq}
        created = {
            PREFIX + name: values
            for name, values in (("nodes", self.nodes), ("rel_starts", self.rel_starts), ("rel_ends", self.rel_ends),
                                 ("rel_keys", self.rel_keys), ("cards", self.cards))
            if values
        }  # fmt: skip
        out = [{**base, PREFIX + "target": "created", **created}] if created else []
        out += [{**base, **image} for image in self.images]
        self.nodes, self.rel_starts, self.rel_ends, self.rel_keys, self.cards, self.images = [], [], [], [], [], []
        return out


def split_images(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Undo records read back: created lists and before-images by target, bookkeeping stripped."""
    out: dict[str, list[dict[str, Any]]] = {"created": [], "node": [], "relation": [], "card": []}
    for props in rows:
        target = str(props.get(PREFIX + "target"))
        ref = {k[len(PREFIX) :]: v for k, v in props.items() if k.startswith(PREFIX)}
        image = {k: v for k, v in props.items() if not k.startswith(PREFIX)}
        out.setdefault(target, []).append({**ref, "props": image})
    return out
