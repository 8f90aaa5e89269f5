"""Breadth-first expansion through the store, one batched read per hop.

Paths and neighbourhoods both grow balls around entities. Doing it hop by hop with one `UNWIND`
read per hop keeps the answer identical on Neo4j and ArcadeDB (ArcadeDB applies a WHERE on a
shortestPath's path only after choosing the one path, so filtered shortest paths come back empty
there) and the work proportional to the ball, not the graph. Filters (kinds and relation types to
avoid, the date) are applied while expanding, so nothing is ever reached through an avoided node.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import networkx as nx
import numpy as np
import numpy.typing as npt

from graph.store import GraphStore, chunks
from questions.common import holds
from questions.projection import View, projection

Edge = tuple[str, str, str]  # (start, end, type) in the stored direction


def hop(
    store: GraphStore,
    keys: Iterable[str],
    *,
    avoid_types: Collection[str] = (),
    as_of: dt.date | None = None,
    at: View | None = None,
    in_database: bool = False,
) -> Iterator[dict[str, Any]]:
    """The relations of `keys` in both directions (rows: start, end, type, other, other_kind),
    from the in-memory projection, which is checked against the database's change counter first
    (`at`: the projection a question already holds). `in_database`: the same rows asked of the
    database (`q_neighbours`), the plain reference the projection is tested against."""
    if in_database:
        rows: Iterable[dict[str, Any]] = (
            row for part in chunks(sorted(set(keys))) for row in store.read("q_neighbours", {"keys": part})
        )
    else:
        rows = (at.projection if at is not None else projection(store)).hop(keys)
    for row in rows:
        if row["type"] not in avoid_types and holds(row, as_of):
            yield row


@dataclass
class Ball:
    """The entities reached and the hop at which each was first reached."""

    depth: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    # From the projection: the entities reached (its indices) by depth, then key, and their
    # depths; None when grown through the database.
    placed: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None


class Reach(TypedDict, total=False):
    """How far a ball may grow: `Projection.expand`'s own keyword arguments."""

    avoid_kinds: Collection[str]
    avoid_types: Collection[str]
    keep: Collection[str] | None
    as_of: dt.date | None
    node_cap: int | None


def expand(
    store: GraphStore,
    seeds: Iterable[str],
    depth: int,
    *,
    at: View | None = None,
    in_database: bool = False,
    **reach: Unpack[Reach],
) -> Ball:
    """Grow a ball of `depth` hops around the seeds, on the in-memory projection (vectorised;
    `at`: the projection the caller holds, else the store's as of now).

    Entities of `avoid_kinds`, or outside `keep` when given, are neither reached nor passed
    through. When a hop would pass `node_cap` entities, the nearest are kept in key order and
    the ball is marked truncated. `in_database`: the plain reference the tests hold it to, one
    hop of database rows (`hop(in_database=True)`) at a time in plain Python.
    """
    if in_database:
        return _hop_by_hop(store, seeds, depth, reach)
    found, truncated, placed = (at.projection if at is not None else projection(store)).expand(seeds, depth, **reach)
    return Ball(depth=found, truncated=truncated, placed=placed)


def _hop_by_hop(store: GraphStore, seeds: Iterable[str], depth: int, reach: Reach) -> Ball:
    avoid_kinds, avoid_types, keep = reach.get("avoid_kinds", ()), reach.get("avoid_types", ()), reach.get("keep")
    as_of, node_cap = reach.get("as_of"), reach.get("node_cap")
    ball = Ball(depth={key: 0 for key in seeds})
    frontier = sorted(ball.depth)
    for level in range(1, depth + 1):
        if not frontier:
            break
        reached: set[str] = set()
        for row in hop(store, frontier, avoid_types=avoid_types, as_of=as_of, in_database=True):
            other = row["other"]
            allowed = row["other_kind"] not in avoid_kinds and (keep is None or other in keep)
            if allowed and other not in ball.depth:
                reached.add(other)
        for key in sorted(reached):
            if node_cap is not None and len(ball.depth) >= node_cap:
                ball.truncated = True
                break
            ball.depth[key] = level
        frontier = sorted(k for k in reached if k in ball.depth)
        if ball.truncated:
            break
    return ball


@dataclass
class Meeting:
    """Two balls grown towards each other until they touch: every shortest path lies in `edges`."""

    edges: set[Edge] = field(default_factory=set)
    distance: int | None = None  # the length of the shortest connection, None when there is none

    def graph(self) -> nx.Graph[str]:
        graph: nx.Graph[str] = nx.Graph()
        graph.add_edges_from(sorted((s, e) for s, e, _ in self.edges))
        return graph


def meet(
    store: GraphStore,
    start: str,
    end: str,
    max_hops: int,
    *,
    avoid_kinds: Collection[str] = (),
    avoid_types: Collection[str] = (),
    as_of: dt.date | None = None,
    at: View | None = None,
    in_database: bool = False,
) -> Meeting:
    """Bidirectional breadth-first search, always expanding the smaller frontier.

    Growing from both ends reads about the square root of what one ball of `max_hops` would,
    which matters around hubs (from Helsinki, two hops reach nearly everything). Every relation
    of every expanded entity is kept, so the union holds all shortest paths: a node at distance
    i from the start on a path of length d was expanded from the start side (i below that side's
    depth) or lies within the end side's depth, and its relation to the next node was read then.
    The two endpoints themselves may be of an avoided kind. `at`: the projection the question
    holds; `in_database`: every hop asked of the database instead (the plain reference).
    """
    meeting = Meeting()
    if start == end:
        meeting.distance = 0
        return meeting
    seen = {start: {start: 0}, end: {end: 0}}
    frontier = {start: [start], end: [end]}
    for _ in range(max_hops):
        side = start if len(frontier[start]) <= len(frontier[end]) else end
        other = end if side == start else start
        if not frontier[side]:
            return meeting
        level = seen[side][frontier[side][0]] + 1
        reached: set[str] = set()
        for row in hop(store, frontier[side], avoid_types=avoid_types, as_of=as_of, at=at, in_database=in_database):
            neighbour = row["other"]
            if row["other_kind"] in avoid_kinds and neighbour not in (start, end):
                continue
            meeting.edges.add((row["start"], row["end"], row["type"]))
            if neighbour not in seen[side]:
                reached.add(neighbour)
        for key in reached:
            seen[side][key] = level
        frontier[side] = sorted(reached)
        touching = [key for key in reached if key in seen[other]]
        if touching:
            meeting.distance = min(level + seen[other][key] for key in touching)
            return meeting
    return meeting
