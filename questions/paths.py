"""Paths: the shortest connections between two entities, up to N hops, avoiding kinds or types."""

from __future__ import annotations

import datetime as dt
import itertools

import networkx as nx
from pydantic import BaseModel, Field

from graph.store import GraphStore
from questions.common import EntityRef, NotFound, ref
from questions.expand import expand

MAX_HOPS = 6


class Step(BaseModel):
    start: str
    end: str
    types: list[str]  # every relation type linking the two, in the direction stored
    direction: str  # "forward" when stored from the path's previous node to the next, else "backward"


class Path(BaseModel):
    nodes: list[EntityRef]
    steps: list[Step]

    @property
    def hops(self) -> int:
        return len(self.steps)


class PathsAnswer(BaseModel):
    start: str
    end: str
    max_hops: int = Field(ge=1, le=MAX_HOPS)
    paths: list[Path]


def paths(
    store: GraphStore,
    start: str,
    end: str,
    *,
    max_hops: int = 4,
    avoid_kinds: tuple[str, ...] = (),
    avoid_types: tuple[str, ...] = (),
    limit: int = 5,
    as_of: dt.date | None = None,
) -> PathsAnswer:
    if not 1 <= max_hops <= MAX_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_HOPS}")
    known = store.kinds_of([start, end])
    for key in (start, end):
        if key not in known:
            raise NotFound(f"no entity with key {key!r}")
    ball = expand(store, [start], max_hops, avoid_kinds=avoid_kinds, avoid_types=avoid_types, as_of=as_of, stop_at=end)
    answer = PathsAnswer(start=start, end=end, max_hops=max_hops, paths=[])
    if end not in ball.depth or start == end:
        return answer
    graph = ball.graph()
    found = sorted(nx.all_shortest_paths(graph, start, end))  # sorted: the same order on every store
    chosen = list(itertools.islice(found, limit))
    refs = store.snapshot({k for p in chosen for k in p})
    for keys in chosen:
        steps = []
        for a, b in itertools.pairwise(keys):
            forward = sorted(t for s, e, t in ball.edges if (s, e) == (a, b))
            backward = sorted(t for s, e, t in ball.edges if (s, e) == (b, a))
            steps.append(
                Step(start=a, end=b, types=forward, direction="forward")
                if forward
                else Step(start=b, end=a, types=backward, direction="backward")
            )
        answer.paths.append(Path(nodes=[ref(k, refs.nodes[k]) for k in keys], steps=steps))
    return answer
