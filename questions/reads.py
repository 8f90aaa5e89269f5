"""Typed wrappers around the reads several questions share, so each statement has one caller.

Every function runs one named statement from cypher/ and returns sorted, plain results: the
backends return rows in different orders, answers must not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore, NotFound
from questions.common import EntityRef, holds, row_ref

CHUNK = 5_000  # keys per UNWIND: keeps parameter lists and result sets bounded


@dataclass(frozen=True)
class Link:
    """One stored relation with both ends."""

    start: EntityRef
    end: EntityRef
    props: dict[str, Any]


def chunked(keys: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    ordered = sorted(set(keys))
    for begin in range(0, len(ordered), size):
        yield ordered[begin : begin + size]


def entity_refs(store: GraphStore, keys: Iterable[str]) -> dict[str, EntityRef]:
    """The entities among `keys` that exist, by key."""
    out: dict[str, EntityRef] = {}
    for part in chunked(keys):
        for row in store.read("q_entity_refs", {"keys": part}):
            out[row["key"]] = row_ref(row)
    return out


def require(store: GraphStore, keys: Iterable[str], kind: str | None = None) -> dict[str, EntityRef]:
    """Like `entity_refs`, but every key must exist (and be of `kind`, when given)."""
    wanted = list(dict.fromkeys(keys))
    found = entity_refs(store, wanted)
    missing = [k for k in wanted if k not in found or (kind is not None and found[k].kind != kind)]
    if missing:
        what = kind.lower() if kind else "entity"
        raise NotFound(f"no {what} with key {', '.join(repr(m) for m in missing)}")
    return found


def relations_of_type(store: GraphStore, rel_type: str, as_of: dt.date | None = None) -> list[Link]:
    """Every relation of one declared type that holds on `as_of`, ordered by its ends and key."""
    links = [
        Link(row_ref(row, "start_"), row_ref(row, "end_"), row["props"])
        for row in store.read("q_relations_of_type", rel=rel_type)
        if holds(row["props"], as_of)
    ]
    return sorted(links, key=lambda link: (link.start.key, link.end.key, str(link.props.get("key", ""))))


def nodes_of_kind(store: GraphStore, kind: str) -> list[dict[str, Any]]:
    """Stored properties of every entity of one declared kind, ordered by key."""
    rows = store.read("q_nodes_of_kind", kind=kind)
    return sorted((row["props"] for row in rows), key=lambda props: str(props["key"]))
