"""Every shortest connection between two entities, on the projection's arrays.

A bidirectional breadth-first search (always growing the smaller frontier, as `expand.meet` does
through the store) finds the distance; the entities that lie on some shortest path are then
peeled off as layers, one per position along the path. Walking those layers in key order gives
the first paths in the order `sorted()` would put all of them, without listing them all: around
hubs at 10^5 entities there are thousands of shortest paths, and a dict per relation of the balls
(what the walk through `expand.meet` and networkx builds) cost half a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from questions.columns import distinct
from questions.projection import Projection

Indices = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Layers:
    """`members[i]`: per entity, whether it stands at position i of some shortest path."""

    members: list[npt.NDArray[np.bool_]]
    usable: npt.NDArray[np.bool_]  # per relation: whether a path may follow it

    @property
    def hops(self) -> int:
        return len(self.members) - 1


def layers(
    p: Projection,
    start: int,
    end: int,
    max_hops: int,
    *,
    avoid_kinds: Collection[str] = (),
    avoid_types: Collection[str] = (),
    as_of: dt.date | None = None,
) -> Layers | None:
    """The layers of every shortest connection of at most `max_hops`, None when there is none.

    The two endpoints may be of an avoided kind; nothing else of one is reached or passed."""
    usable = p.usable(avoid_types, as_of)
    allowed = p.allowed(avoid_kinds)
    allowed[[start, end]] = True
    found = _meet(p, start, end, max_hops, usable, allowed)
    if found is None:
        return None
    from_start, from_end, hops, middle = found
    members = [np.zeros(len(p.keys), dtype=bool) for _ in range(hops + 1)]
    at = int(from_start[middle[0]])
    members[at][middle] = True
    for position in range(at - 1, -1, -1):  # towards the start: one hop nearer it, next to the layer after
        members[position][_next_to(p, members[position + 1], usable, from_start, position)] = True
    for position in range(at + 1, hops + 1):  # towards the end, likewise
        members[position][_next_to(p, members[position - 1], usable, from_end, hops - position)] = True
    return Layers(members, usable)


def _meet(
    p: Projection, start: int, end: int, max_hops: int, usable: npt.NDArray[np.bool_], allowed: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], int, Indices] | None:
    """Each entity's distance from the start and from the end (-1: not reached), the shortest
    distance, and the middle layer: what the last hop reached that the other search had reached
    at the distance that adds up to the shortest. Every shortest path passes through it."""
    if start == end:
        return None
    distance = {start: np.full(len(p.keys), -1, dtype=np.int32), end: np.full(len(p.keys), -1, dtype=np.int32)}
    distance[start][start] = distance[end][end] = 0
    frontier: dict[int, Indices] = {start: np.asarray([start]), end: np.asarray([end])}
    for _ in range(max_hops):
        side = start if len(frontier[start]) <= len(frontier[end]) else end
        other = end if side == start else start
        if not len(frontier[side]):
            return None
        level = int(distance[side][frontier[side][0]]) + 1
        rels, others = p.incident(frontier[side])
        others = others[usable[rels] & allowed[others]]
        reached = distinct(others[distance[side][others] < 0]).astype(np.int64)
        distance[side][reached] = level
        frontier[side] = reached
        touching = distance[other][reached]
        if (touching >= 0).any():
            hops = level + int(touching[touching >= 0].min())
            return distance[start], distance[end], hops, reached[touching == hops - level]
    return None


def _next_to(
    p: Projection, layer: npt.NDArray[np.bool_], usable: npt.NDArray[np.bool_], distance: npt.NDArray[np.int32], at: int
) -> Indices:
    """The entities at `distance` `at` linked to one of `layer` by a usable relation."""
    rels, others = p.incident(np.flatnonzero(layer))
    return np.asarray(others[usable[rels] & (distance[others] == at)], dtype=np.int64)


def first_paths(p: Projection, found: Layers, count: int) -> list[list[int]]:
    """The first `count` shortest paths in key order (entity indices sort as their keys do).

    Every entity of a layer links to one of the next, so each step of the walk leads to a path:
    the walk looks at about `count` times the path's length entities, however many paths exist."""
    paths: list[list[int]] = []
    start = int(np.flatnonzero(found.members[0])[0])

    def walk(path: list[int]) -> None:
        position = len(path)
        if position > found.hops:
            paths.append(list(path))
            return
        here = path[-1]
        rels = p.rels[p.indptr[here] : p.indptr[here + 1]]
        rels = rels[found.usable[rels]]
        others = np.where(p.starts[rels] == here, p.ends[rels], p.starts[rels])
        for nxt in distinct(others[found.members[position][others]]).tolist():
            path.append(nxt)
            walk(path)
            path.pop()
            if len(paths) >= count:
                return

    walk([start])
    return paths
