"""Brokers: the most central entities, overall or within a theme's neighbourhood (networkx).

The graph is treated as undirected and simple (a partnership links both ways; two relations
between the same pair are one connection). Theme nodes are left out: they are topics, not actors,
and every actor working on a theme would otherwise be two steps from every other through it,
making the theme the top "broker". A theme's neighbourhood is the actors working on it or its
sub-themes plus everything one relation away from them.

Betweenness is exact up to EXACT_BETWEENNESS_LIMIT nodes. Above, it is estimated from a seeded
sample of pivots sized to a work budget (`estimated` says so; degree stays exact and instant):
pure-Python betweenness costs about one graph traversal per pivot, which at 10^5 entities is a
second each. The graph is built in key order, so the estimate is the same on every store.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import BaseModel

from graph.store import GraphStore
from questions.columns import is_in
from questions.common import EntityRef, QuestionError, holds, ref, row_ref
from questions.neighbourhood import neighbourhood
from questions.projection import Projection, View, view
from questions.resolve import Resolution, resolve
from questions.themes import THEME, closure_in, link_rels, theme_closure, theme_links, theme_tree

EXACT_BETWEENNESS_LIMIT = 3_000
PIVOT_BUDGET = 2_500_000  # pivots x (nodes + edges) for an estimate: about ten seconds here
MIN_PIVOTS, MAX_PIVOTS = 10, 500
THEME_NEIGHBOURHOOD_CAP = 50_000
MAX_TOP = 200


class Broker(BaseModel):
    entity: EntityRef
    score: float
    degree: int = 0  # distinct neighbours in the graph considered


class BrokersAnswer(BaseModel):
    measure: Literal["betweenness", "degree"]
    theme: str | None
    estimated: bool
    brokers: list[Broker]
    nodes: int = 0  # entities in the graph considered
    resolved: Resolution | None = None  # how the theme asked for was read (key, name or alias)


def _with_networkx(
    store: GraphStore, theme: str | None, top: int, measure: Literal["betweenness", "degree"], as_of: dt.date | None
) -> BrokersAnswer:
    """`brokers` on a networkx graph read from the database: the plain reference the fast path is
    tested against."""
    resolution = resolve(store, theme, kinds=[THEME]) if theme is not None else None
    theme = resolution.entity.key if resolution else None
    refs, graph = _theme_graph(store, theme, as_of) if theme else _actor_graph(store, as_of)
    estimated = False
    if measure == "degree":
        scores = nx.degree_centrality(graph)
    elif graph.number_of_nodes() > EXACT_BETWEENNESS_LIMIT:
        estimated = True
        size = graph.number_of_nodes() + graph.number_of_edges()
        pivots = max(MIN_PIVOTS, min(MAX_PIVOTS, PIVOT_BUDGET // size))
        scores = nx.betweenness_centrality(graph, k=min(pivots, graph.number_of_nodes()), seed=7)
    else:
        scores = nx.betweenness_centrality(graph)
    rounded = {key: round(score, 6) for key, score in scores.items()}  # ties must not hinge on float noise
    ranked = sorted(rounded.items(), key=lambda item: (-item[1], item[0]))[:top]
    return BrokersAnswer(
        measure=measure,
        theme=theme,
        estimated=estimated,
        brokers=[Broker(entity=refs[k], score=s, degree=graph.degree(k)) for k, s in ranked],
        nodes=graph.number_of_nodes(),
        resolved=resolution,
    )


def _simple(nodes: list[str], edges: set[tuple[str, str]]) -> nx.Graph[str]:
    """Undirected and simple, nodes and edges added in sorted order."""
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    graph.add_edges_from(sorted(edges))
    return graph


def _actor_graph(store: GraphStore, as_of: dt.date | None) -> tuple[dict[str, EntityRef], nx.Graph[str]]:
    """Every non-theme entity and relation, read lean: keys, names, dates; no property blobs."""
    refs = {row["key"]: row_ref(row) for row in store.read("q_actor_nodes")}
    edges = {
        (min(row["start"], row["end"]), max(row["start"], row["end"]))
        for row in store.read("q_actor_relations")
        if holds(row, as_of)
    }
    return refs, _simple(list(refs), edges)


def _theme_graph(store: GraphStore, theme: str, as_of: dt.date | None) -> tuple[dict[str, EntityRef], nx.Graph[str]]:
    family = theme_closure(store, [theme], as_of)[theme]
    actors = sorted({link.actor.key for link in theme_links(store, family, as_of) if link.actor.kind != THEME})
    if not actors:
        return {}, nx.Graph()
    kinds = [k for k in store.schema.node_kinds if k != THEME]
    multi = neighbourhood(store, actors, depth=1, kinds=kinds, as_of=as_of, node_cap=THEME_NEIGHBOURHOOD_CAP).graph
    refs = {key: ref(key, data) for key, data in multi.nodes(data=True)}
    return refs, _simple(list(refs), {(min(u, v), max(u, v)) for u, v in multi.edges()})


def brokers(
    store: GraphStore,
    *,
    theme: str | None = None,
    top: int = 10,
    measure: Literal["betweenness", "degree"] = "betweenness",
    as_of: dt.date | None = None,
    in_database: bool = False,
) -> BrokersAnswer:
    """The `top` entities by betweenness (or degree), overall or around a theme.

    The graph comes from the projection as a symmetric CSR matrix, and betweenness is Brandes'
    algorithm run level by level for a batch of sources at once as sparse matrix products
    (`_betweenness`): the same sums as networkx's loops, with the same pivots. The ranking is
    kept with the projection until the database's change counter moves: a whole-graph measure is
    computed once per version of the graph, not per request. `in_database`: the plain reference
    the tests hold it to, networkx on a graph read from the database."""
    if measure not in ("betweenness", "degree"):
        raise QuestionError("measure must be 'betweenness' or 'degree'")
    if not 1 <= top <= MAX_TOP:
        raise QuestionError(f"top must be between 1 and {MAX_TOP}")
    if in_database:
        return _with_networkx(store, theme, top, measure, as_of)
    at = view(store)
    resolution = resolve(store, theme, kinds=[THEME], at=at) if theme is not None else None
    theme = resolution.entity.key if resolution else None
    family = closure_in(theme_tree(store, as_of, at=at), [theme])[theme] if theme else None
    ranking = at.get(
        ("brokers", theme, as_of, measure, EXACT_BETWEENNESS_LIMIT, PIVOT_BUDGET, SOURCE_CELLS),
        lambda p: _ranking(at, family, as_of, measure),
    )
    p = at.projection
    return BrokersAnswer(
        measure=measure,
        theme=theme,
        estimated=ranking.estimated,
        brokers=[
            Broker(
                entity=EntityRef(**p.entity(i)),
                score=score,
                degree=degree,
            )
            for i, score, degree in ranking.ranked[:top]
        ],
        nodes=ranking.nodes,
        resolved=resolution,
    )


class _Ranking:
    """Every entity of the graph considered, ranked: (projection index, rounded score, degree)."""

    def __init__(self, ranked: list[tuple[int, float, int]], nodes: int, estimated: bool):
        self.ranked, self.nodes, self.estimated = ranked, nodes, estimated


def _ranking(at: View, family: set[str] | None, as_of: dt.date | None, measure: str) -> _Ranking:
    p = at.projection
    members, adjacency = _theme_adjacency(at, family, as_of) if family is not None else _actor_adjacency(p, as_of)
    n = len(members)
    degree = np.diff(adjacency.indptr)
    estimated = False
    if measure == "degree":
        scores = degree * (1.0 / (n - 1)) if n > 1 else np.ones(n)
    elif n > EXACT_BETWEENNESS_LIMIT:
        estimated = True
        pivots = max(MIN_PIVOTS, min(MAX_PIVOTS, PIVOT_BUDGET // (n + adjacency.nnz // 2)))
        k = min(pivots, n)
        sources = None if k == n else random.Random(7).sample(range(n), k)  # networkx's draw, seed 7
        scores = _betweenness(adjacency, sources)
    else:
        scores = _betweenness(adjacency, None)
    rounded = [round(float(x), 6) for x in scores]  # ties must not hinge on float noise
    order = sorted(range(n), key=lambda i: (-rounded[i], p.keys[members[i]]))[:MAX_TOP]
    return _Ranking([(int(members[i]), rounded[i], int(degree[i])) for i in order], n, estimated)


def _symmetric(size: int, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64]) -> sp.csr_matrix:
    """The simple undirected graph of the edges (u, v) on `size` nodes, as a 0/1 CSR matrix."""
    rows, cols = np.concatenate([u, v]), np.concatenate([v, u])
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _actor_adjacency(p: Projection, as_of: dt.date | None) -> tuple[npt.NDArray[np.int64], sp.csr_matrix]:
    """Every non-theme entity (projection indices, in key order) and the relations among them."""
    actor = p.kind_ids != (p.kind_names.index(THEME) if THEME in p.kind_names else -1)
    members = np.flatnonzero(actor)
    position = np.cumsum(actor) - 1
    rels = p.held(np.flatnonzero(actor[p.starts] & actor[p.ends]), as_of)
    return members, _symmetric(len(members), position[p.starts[rels]], position[p.ends[rels]])


def _theme_adjacency(at: View, family: set[str], as_of: dt.date | None) -> tuple[npt.NDArray[np.int64], sp.csr_matrix]:
    """The actors working on the theme's family and everything one relation from them (no themes),
    as `neighbourhood` grows it, and the relations among them that hold."""
    p = at.projection
    links = link_rels(at, as_of)
    links = links[is_in(p.ends[links], [p.index[t] for t in family if t in p.index], len(p.keys))]
    actors = sorted({p.keys[i] for i in p.starts[links].tolist() if p.kinds[i] != THEME})
    if not actors:
        return np.zeros(0, dtype=np.int64), sp.csr_matrix((0, 0))
    ball, _, _ = p.expand(actors, 1, avoid_kinds=[THEME], as_of=as_of, node_cap=THEME_NEIGHBOURHOOD_CAP)
    inside = np.zeros(len(p.keys), dtype=bool)
    inside[[p.index[k] for k in ball if k in p.index]] = True
    members = np.flatnonzero(inside)
    position = np.cumsum(inside) - 1
    rels = p.held(np.flatnonzero(inside[p.starts] & inside[p.ends]), as_of)
    return members, _symmetric(len(members), position[p.starts[rels]], position[p.ends[rels]])


SOURCE_CELLS = 300_000  # nodes x sources walked at once: each dense level array stays about 2.4 MB


def _betweenness(adjacency: sp.csr_matrix, sources: list[int] | None) -> npt.NDArray[np.float64]:
    """Normalised betweenness (endpoints excluded) as networkx 3.6 computes it: from every node
    (`sources` None) or from the sampled `sources`, rescaled for the sample.

    Brandes' two passes, for a batch of sources at once: breadth-first, the number of shortest
    paths to each node (`sigma`) at each level is the sum of its neighbours' on the level before
    (a sparse matrix times the dense sources' columns); back from the deepest level, each node's
    dependency is its sigma times the sum of (1 + dependency) / sigma of its neighbours one level
    deeper."""
    n = adjacency.shape[0]
    total = np.zeros(n)
    walked = list(range(n)) if sources is None else sources
    width = max(1, min(len(walked), SOURCE_CELLS // max(n, 1)))
    for at in range(0, len(walked), width):
        batch = np.asarray(walked[at : at + width], dtype=np.int64)
        total += _dependencies(adjacency, batch)
    return _rescale(total, n, sources)


def _dependencies(adjacency: sp.csr_matrix, batch: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Each node's summed dependency on the sources of `batch` (Brandes' delta, sources excluded)."""
    n, width = adjacency.shape[0], len(batch)
    columns = np.arange(width)
    level = np.full((n, width), -1, dtype=np.int32)
    sigma = np.zeros((n, width))
    level[batch, columns] = 0
    sigma[batch, columns] = 1.0
    frontier = sigma.copy()
    depth = 0
    while True:
        reached = np.asarray(adjacency @ frontier)
        new = (reached > 0) & (level < 0)
        if not new.any():
            break
        depth += 1
        level[new] = depth
        sigma[new] = reached[new]
        frontier = np.where(new, sigma, 0.0)
    delta = np.zeros((n, width))
    safe = np.where(sigma > 0, sigma, 1.0)
    for d in range(depth, 0, -1):
        coefficient = np.where(level == d, (1.0 + delta) / safe, 0.0)
        delta += np.where(level == d - 1, sigma * np.asarray(adjacency @ coefficient), 0.0)
    delta[batch, columns] = 0.0
    return np.asarray(delta.sum(axis=1))


def _rescale(total: npt.NDArray[np.float64], n: int, sources: list[int] | None) -> npt.NDArray[np.float64]:
    """networkx 3.6's `_rescale`, normalised, undirected, endpoints excluded."""
    pairs = n - 1
    if pairs < 2:
        return total
    if sources is None:
        return total * (1 / (pairs * (pairs - 1)))
    k = len(sources)
    scale = np.full(n, 1 / (k * (pairs - 1)))
    scale[sources] = 1 / ((k - 1) * (pairs - 1)) if k > 1 else np.nan
    scaled: npt.NDArray[np.float64] = total * scale
    return scaled
