"""Paths: the shortest connections between two entities, up to N hops, avoiding kinds or types.

Walked on the projection's arrays (questions.shortest); the plain reference asks the database hop
by hop (questions.expand) and lists every shortest path with networkx. Not with Cypher's
shortestPath: ArcadeDB applies a WHERE on a shortestPath's path after choosing the single path,
so "avoid these kinds" would return nothing there. Relations are followed in either
direction (a connection is a connection); each step says in which direction it is stored.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable
from typing import TypedDict

import networkx as nx
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field, computed_field

from graph.store import GraphStore
from questions.common import EntityRef, QuestionError, RelationRef, check_kinds, check_types, ref
from questions.expand import Edge, meet
from questions.projection import Projection, view
from questions.resolve import Resolution, resolve_all
from questions.shortest import first_paths, layers

MAX_HOPS = 6
MAX_LIMIT = 100


class Walk(TypedDict):
    """What a path may not pass through, and the day it must hold on."""

    avoid_kinds: Collection[str]
    avoid_types: Collection[str]
    as_of: dt.date | None


class Step(BaseModel):
    start: str
    end: str
    types: list[str]  # every relation type linking the two, in the direction stored
    direction: str  # "forward" when stored from the path's previous node to the next, else "backward"
    relations: list[RelationRef] = []  # every usable relation between the two, both directions


class Path(BaseModel):
    nodes: list[EntityRef]
    steps: list[Step]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hops(self) -> int:
        return len(self.steps)


class PathsAnswer(BaseModel):
    start: str
    end: str
    max_hops: int = Field(ge=1, le=MAX_HOPS)
    paths: list[Path]
    hops: int | None = None  # the length of the shortest connection, None when there is none
    more: bool = False  # more shortest paths exist than were returned
    resolved: list[Resolution] = []  # how `start` and `end` were read (keys, names or aliases)


def paths(
    store: GraphStore,
    start: str,
    end: str,
    *,
    max_hops: int = 4,
    avoid_kinds: Iterable[str] = (),
    avoid_types: Iterable[str] = (),
    limit: int = 5,
    as_of: dt.date | None = None,
    in_database: bool = False,
) -> PathsAnswer:
    """All shortest connections (up to `limit`, sorted by the keys along them) of at most `max_hops`.

    Walked on the projection (one read of the change counter), which also gives the entities and
    the relations of each step. `in_database`: the plain reference the tests hold it to, asking the
    database every hop (`q_neighbours`), sorting every shortest path, and taking the steps from a
    snapshot."""
    return _paths(store, start, end, max_hops, avoid_kinds, avoid_types, limit, as_of, in_database=in_database)


def _paths(
    store: GraphStore,
    start: str,
    end: str,
    max_hops: int,
    avoid_kinds: Iterable[str],
    avoid_types: Iterable[str],
    limit: int,
    as_of: dt.date | None,
    *,
    in_database: bool,
) -> PathsAnswer:
    if not 1 <= max_hops <= MAX_HOPS:
        raise QuestionError(f"max_hops must be between 1 and {MAX_HOPS}")
    if not 1 <= limit <= MAX_LIMIT:
        raise QuestionError(f"limit must be between 1 and {MAX_LIMIT}")
    kinds, types = check_kinds(store.schema, avoid_kinds), check_types(store.schema, avoid_types)
    at = None if in_database else view(store)
    resolved = resolve_all(store, [start, end], at=at)
    start, end = resolved[0].entity.key, resolved[1].entity.key
    answer = PathsAnswer(start=start, end=end, max_hops=max_hops, paths=[], resolved=resolved)
    if start == end:
        return answer
    walk = Walk(avoid_kinds=kinds, avoid_types=types, as_of=as_of)
    if at is not None:
        _on_projection(at.projection, answer, limit, walk)
    else:
        _in_database(store, answer, limit, walk)
    return answer


def _on_projection(p: Projection, answer: PathsAnswer, limit: int, walk: Walk) -> None:
    if answer.start not in p.index or answer.end not in p.index:
        return
    found = layers(p, p.index[answer.start], p.index[answer.end], answer.max_hops, **walk)
    if found is None:
        return
    chosen = first_paths(p, found, limit + 1)
    answer.hops, answer.more = found.hops, len(chosen) > limit
    for path in chosen[:limit]:
        steps = [_step_in(p, a, b, found.usable) for a, b in itertools.pairwise(path)]
        answer.paths.append(Path(nodes=[EntityRef(**p.entity(i)) for i in path], steps=steps))


def _in_database(store: GraphStore, answer: PathsAnswer, limit: int, walk: Walk) -> None:
    start, end, as_of = answer.start, answer.end, walk["as_of"]
    meeting = meet(store, start, end, answer.max_hops, **walk, in_database=True)
    if meeting.distance is None:
        return
    every = sorted(nx.all_shortest_paths(meeting.graph(), start, end))  # the plain definition: all, sorted
    answer.hops, answer.more = meeting.distance, len(every) > limit
    snapshot = store.snapshot({k for keys in every[:limit] for k in keys}, as_of=as_of)
    for keys in every[:limit]:
        steps = [_step(a, b, meeting.edges, snapshot, walk["avoid_types"]) for a, b in itertools.pairwise(keys)]
        answer.paths.append(Path(nodes=[ref(k, snapshot.nodes[k]) for k in keys], steps=steps))


def _step_in(p: Projection, i: int, j: int, usable: npt.NDArray[np.bool_]) -> Step:
    """`_step` on the projection: the usable relations between entities `i` and `j`, either
    direction, one per (start, end, relation key) as the snapshot's multigraph keeps them."""
    rels = p.rels[p.indptr[i] : p.indptr[i + 1]].astype(np.int64)
    rels = rels[usable[rels] & ((p.starts[rels] == j) | (p.ends[rels] == j))]
    a, b = p.keys[i], p.keys[j]
    kept: dict[tuple[str, str, str | int], RelationRef] = {}
    linked: dict[tuple[str, str], set[str]] = {(a, b): set(), (b, a): set()}
    for r in sorted(rels.tolist()):
        s, e = p.keys[int(p.starts[r])], p.keys[int(p.ends[r])]
        basis = p.bases[r]
        linked[(s, e)].add(p.types[r])
        kept[(s, e, p.rel_keys[r] if p.rel_keys[r] is not None else r)] = RelationRef(
            type=p.types[r],
            start=s,
            end=e,
            key=p.rel_keys[r],
            role=p.roles[r],
            since=p.since[r],
            until=p.until[r],
            basis="stated" if basis is None else basis,
        )
    relations = sorted(kept.values(), key=lambda r: (r.start != a, r.type, r.key or ""))
    if linked[(a, b)]:
        return Step(start=a, end=b, types=sorted(linked[(a, b)]), direction="forward", relations=relations)
    return Step(start=b, end=a, types=sorted(linked[(b, a)]), direction="backward", relations=relations)


def _step(a: str, b: str, edges: set[Edge], snapshot: nx.MultiDiGraph[str], avoid: Iterable[str]) -> Step:
    forward = sorted(t for s, e, t in edges if (s, e) == (a, b))
    backward = sorted(t for s, e, t in edges if (s, e) == (b, a))
    relations = sorted(
        (
            RelationRef(
                type=data["type"],
                start=s,
                end=e,
                key=data.get("rel_key"),
                role=data.get("role"),
                since=data.get("since"),
                until=data.get("until"),
                basis=data.get("basis", "stated"),
            )
            for s, e in ((a, b), (b, a))
            if snapshot.has_edge(s, e)
            for data in snapshot.get_edge_data(s, e).values()
            if data["type"] not in avoid
        ),
        key=lambda r: (r.start != a, r.type, r.key or ""),
    )
    if forward:
        return Step(start=a, end=b, types=forward, direction="forward", relations=relations)
    return Step(start=b, end=a, types=backward, direction="backward", relations=relations)
