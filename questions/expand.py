"""Breadth-first expansion through the store, one batched read per hop.

Paths and neighbourhoods both grow a ball around seed entities. Doing it hop by hop with one
`UNWIND` read per hop keeps the answer identical on Neo4j and ArcadeDB (whose shortestPath
filtering differs) and the work proportional to the ball, not the graph.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import networkx as nx

from graph.store import GraphStore
from questions.common import holds

BATCH = 5_000


@dataclass
class Ball:
    """The entities reached, the hop at which each was first reached, and the relations seen."""

    depth: dict[str, int] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)  # (start, end, type)
    truncated: bool = False

    def graph(self) -> nx.Graph:
        """Undirected, simple: what path finding and centrality need."""
        graph = nx.Graph()
        graph.add_nodes_from(self.depth)
        for start, end, rel_type in self.edges:
            if start in self.depth and end in self.depth:
                graph.add_edge(start, end, type=rel_type)
        return graph


def expand(
    store: GraphStore,
    seeds: Iterable[str],
    depth: int,
    *,
    avoid_kinds: Collection[str] = (),
    avoid_types: Collection[str] = (),
    as_of: dt.date | None = None,
    node_cap: int | None = None,
    stop_at: str | None = None,
) -> Ball:
    """Grow a ball of `depth` hops; stop early once `stop_at` is reached or `node_cap` is hit."""
    ball = Ball(depth={key: 0 for key in seeds})
    frontier = sorted(ball.depth)
    for hop in range(1, depth + 1):
        if not frontier or (stop_at is not None and stop_at in ball.depth):
            break
        reached: set[str] = set()
        for start in range(0, len(frontier), BATCH):
            rows = store.read("q_neighbours", {"keys": frontier[start : start + BATCH]})
            for row in rows:
                avoided = row["other_kind"] in avoid_kinds and row["other"] != stop_at
                if avoided or row["type"] in avoid_types or not holds(row, as_of):
                    continue
                ball.edges.add((row["start"], row["end"], row["type"]))
                if row["other"] not in ball.depth:
                    reached.add(row["other"])
        for key in sorted(reached):
            if node_cap is not None and len(ball.depth) >= node_cap:
                ball.truncated = True
                break
            ball.depth[key] = hop
        frontier = sorted(k for k in reached if k in ball.depth)
        if ball.truncated:
            break
    return ball
