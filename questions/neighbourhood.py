"""The neighbourhood of entities: the subgraph to a depth, filtered by kind or theme. Maps draw it.

Filters decide where the walk may go, not only what is shown: an entity of another kind, or one
not working on the given themes, is neither shown nor passed through, so everything on the map is
connected to a seed by what the map shows. Seeds are always kept. Beyond `node_cap` entities the
nearest are kept (in key order within the last hop) and the answer says it was truncated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import orjson
from pydantic import BaseModel

from graph.store import GraphStore
from questions.columns import distinct, is_in
from questions.common import EntityRef, QuestionError, Raw, RelationRef, check_kinds
from questions.encoded import nodes_json, relations_json
from questions.expand import Ball, expand
from questions.projection import Projection, View, held_view, pinned, view
from questions.resolve import Resolution, keys_of, resolve_all
from questions.themes import THEME, closure_in, link_rels, theme_tree

MAX_DEPTH = 3
DEFAULT_NODE_CAP = 2_000
Item = dict[str, Any]


class NodeOut(EntityRef):
    depth: int


class NeighbourhoodAnswer(BaseModel):
    seeds: list[str]
    depth: int
    nodes: list[NodeOut]
    edges: list[RelationRef]
    truncated: bool
    message: str | None = None
    themes: list[str] = []  # the themes kept to, when asked
    resolved: list[Resolution] = []  # how each seed and theme asked for was read (keys, names or aliases)


class Neighbourhood:
    """The subgraph for maps (networkx, full node data, no contact fields) and its API answer.

    The answer comes from the in-memory projection; the graph, with every property and its
    provenance, is read from the database only when a map asks for it."""

    def __init__(self, store: GraphStore, ball: Ball, raw: Raw[NeighbourhoodAnswer], as_of: dt.date | None):
        self._store, self._ball, self._as_of = store, ball, as_of
        self._graph: nx.MultiDiGraph[str] | None = None
        self._answer: NeighbourhoodAnswer | None = None
        self.raw = raw

    @property
    def seeds(self) -> list[str]:
        """The answer's seeds, truncation and resolutions, without building the whole answer."""
        seeds: list[str] = self.raw.data["seeds"]
        return seeds

    @property
    def truncated(self) -> bool:
        return bool(self.raw.data["truncated"])

    @property
    def resolved(self) -> list[Resolution]:
        resolved: list[Resolution] = self.raw.data["resolved"]
        return resolved

    @property
    def answer(self) -> NeighbourhoodAnswer:
        if self._answer is None:
            self._answer = self.raw.validate()
        return self._answer

    @property
    def graph(self) -> nx.MultiDiGraph[str]:
        if self._graph is None:
            self.read_graph()
        assert self._graph is not None
        return self._graph

    def read_graph(self) -> tuple[int, str] | None:
        """Read the graph; returns the change counter read after it (None while a load holds its lease)."""
        version, graph = self._store.snapshot_as_read(self._ball.depth, as_of=self._as_of)
        for key in graph.nodes:
            graph.nodes[key]["depth"] = self._ball.depth[key]
        self._graph = graph
        return version


def neighbourhood_read(store: GraphStore, keys: Iterable[str], **scope: Any) -> Neighbourhood:
    """`neighbourhood` with its graph read, for maps: one read of the database where there were
    two (the counter, then the graph), when this process holds the projection as of now.

    The neighbourhood is found in the projection held, and the graph's read returns the counter
    read after it: if that is the counter the projection was built at, nothing had moved before
    the graph was read, and the answer is the one a fresh counter read would have given.
    Otherwise (a write in between, or no projection held yet) it is asked again as of now."""
    held = held_view(store)
    if held is not None:
        try:
            with pinned(held):
                found = neighbourhood(store, keys, **scope)
        except (QuestionError, LookupError):
            found = None  # perhaps only the held projection's answer: asked again as of now
        if found is not None and found.read_graph() == held.version:
            return found
    found = neighbourhood(store, keys, **scope)
    found.read_graph()
    return found


def neighbourhood(
    store: GraphStore,
    keys: Iterable[str],
    *,
    depth: int = 1,
    kinds: Iterable[str] | None = None,
    themes: Iterable[str] | None = None,
    as_of: dt.date | None = None,
    node_cap: int = DEFAULT_NODE_CAP,
) -> Neighbourhood:
    if not 0 <= depth <= MAX_DEPTH:
        raise QuestionError(f"depth must be between 0 and {MAX_DEPTH}")
    if node_cap < 1:
        raise QuestionError("node_cap must be at least 1")
    asked = list(dict.fromkeys(keys))
    if not asked:
        raise QuestionError("name at least one entity")
    at = view(store)  # one read of the change counter for the whole question
    resolved = resolve_all(store, asked, at=at)
    seeds = sorted(set(keys_of(resolved)))
    theme_resolutions = resolve_all(store, themes or (), kinds=[THEME], at=at)
    themes = keys_of(theme_resolutions)
    wanted = check_kinds(store.schema, kinds)
    avoid = [k for k in store.schema.node_kinds if wanted and k not in wanted]
    keep = None
    p = at.projection
    if themes:
        family = set().union(*closure_in(theme_tree(store, as_of, at=at), themes).values())
        links = link_rels(at, as_of)
        linked = links[is_in(p.ends[links], [p.index[t] for t in family if t in p.index], len(p.keys))]
        keep = family | {p.keys[i] for i in p.starts[linked].tolist()}  # what theme_links(family) names
    ball = expand(store, seeds, depth, avoid_kinds=avoid, keep=keep, as_of=as_of, node_cap=node_cap, at=at)
    message = None
    if ball.truncated:
        message = (
            f"The neighbourhood has more than {node_cap} entities; showing the {node_cap} nearest. "
            "Narrow it by kind or theme, or lower the depth."
        )
    nodes, edges = _from_projection(at, ball, as_of)
    data = {
        "seeds": seeds,
        "depth": depth,
        "nodes": nodes,
        "edges": edges,
        "truncated": ball.truncated,
        "message": message,
        "themes": themes,
        "resolved": resolved + theme_resolutions,
    }
    return Neighbourhood(store, ball, Raw(NeighbourhoodAnswer, data), as_of)


def _from_projection(at: View, ball: Ball, as_of: dt.date | None) -> tuple[orjson.Fragment, orjson.Fragment]:
    """The answer's nodes and edges (`NodeOut`, `RelationRef`) as JSON, as `answer_from_graph`
    makes them from the snapshot: each entity and relation encoded once per projection
    (questions/encoded.py)."""
    placed, levels = _placed(at.projection, ball)
    return nodes_json(at, placed.tolist(), levels.tolist()), relations_json(at, _among(at, placed, as_of).tolist())


def _placed(p: Projection, ball: Ball) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The ball's entities (indices) by depth, then key (indices sort as keys do), and their depths;
    a seed deleted meanwhile is not in the snapshot either."""
    if ball.placed is not None:  # grown on the projection: already in that order
        return ball.placed
    found = np.fromiter((p.index.get(key, -1) for key in ball.depth), dtype=np.int64, count=len(ball.depth))
    levels = np.fromiter(ball.depth.values(), dtype=np.int64, count=len(ball.depth))
    inside = found >= 0
    found, levels = found[inside], levels[inside]
    order = np.lexsort((found, levels))
    return found[order], levels[order]


def _among(at: View, placed: npt.NDArray[np.int64], as_of: dt.date | None) -> npt.NDArray[np.int64]:
    """The relations among `placed` that hold on `as_of`, as the snapshot's multigraph keeps them
    (one per start, end and relation key: the last one read), in the answer's order."""
    p = at.projection
    group, rank = at.get("edge_order", _edge_order)
    heavy, between_heavy = at.get(("heavy_entities", HEAVY_DEGREE), lambda q: _heavy_entities(q, HEAVY_DEGREE))
    inside = np.zeros(len(p.keys), dtype=bool)
    inside[placed] = True
    # A relation among the ball's entities is one of a light end's few (each relation of theirs is
    # read), or one between two heavy entities (a short list): a theme at the ball's edge brought
    # its 21,000 relations to a city's depth 2 at 10^5, for the 1,578 among its 1,002 entities.
    incident, others = p.incident(placed[~heavy[placed]])
    among = inside[p.starts[between_heavy]] & inside[p.ends[between_heavy]]
    found = np.concatenate([incident[inside[others]], between_heavy[among]])
    rels = p.held(distinct(found).astype(np.int64), as_of)
    by_group = rels[np.lexsort((rels, group[rels]))]
    groups = group[by_group]
    kept = by_group[np.append(groups[1:] != groups[:-1], True)] if len(by_group) else by_group
    return np.asarray(kept[np.argsort(rank[kept])], dtype=np.int64)


HEAVY_DEGREE = 128  # relations; at 10^5 entities: 347 such entities, 699 relations between two of them


def _heavy_entities(p: Projection, degree: int) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int32]]:
    """Per entity: whether it has more than `degree` relations; and the relations between two
    such entities."""
    heavy = np.diff(p.indptr) > degree
    return heavy, np.flatnonzero(heavy[p.starts] & heavy[p.ends]).astype(np.int32)


def _edge_order(p: Projection) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per relation: its group (start, end and relation key: a multigraph keeps one edge of each)
    and its rank in an answer's order (start key, type, end key, relation key, then id; indices
    and type ids sort as their texts do)."""
    every = np.arange(len(p.types), dtype=np.int64)
    key_rank = p.key_rank(every)
    span = int(key_rank.max(initial=0)) + 1
    combined = (p.starts.astype(np.int64) * len(p.keys) + p.ends) * span + key_rank
    group = np.unique(combined, return_inverse=True)[1].astype(np.int64)
    rank = np.empty(len(every), dtype=np.int64)
    rank[np.lexsort((every, key_rank, p.ends, p.type_ids, p.starts))] = every
    return group, rank


def answer_from_graph(graph: nx.MultiDiGraph[str]) -> tuple[list[NodeOut], list[RelationRef]]:
    """The answer's nodes and edges from the full snapshot: the plain reference of the fast path."""
    data: list[tuple[str, dict[str, Any]]] = [(k, d) for k, d in graph.nodes(data=True)]
    nodes = [
        NodeOut(
            key=k,
            kind=d["kind"],
            name_fi=d.get("name_fi"),
            name_en=d.get("name_en"),
            name_sv=d.get("name_sv"),
            depth=d["depth"],
        )
        for k, d in sorted(data, key=lambda item: (item[1]["depth"], item[0]))
    ]
    edges = sorted(
        (
            RelationRef(
                start=u,
                end=v,
                type=d["type"],
                key=d.get("rel_key"),
                role=d.get("role"),
                since=d.get("since"),
                until=d.get("until"),
                basis=d.get("basis", "stated"),
            )
            for u, v, d in graph.edges(data=True)
        ),
        key=lambda e: (e.start, e.type, e.end, e.key or ""),
    )
    return nodes, edges
