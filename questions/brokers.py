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
from typing import Literal

import networkx as nx
from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef, QuestionError, holds, ref, row_ref
from questions.neighbourhood import neighbourhood
from questions.resolve import Resolution, resolve
from questions.themes import THEME, theme_closure, theme_links

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


def brokers(
    store: GraphStore,
    *,
    theme: str | None = None,
    top: int = 10,
    measure: Literal["betweenness", "degree"] = "betweenness",
    as_of: dt.date | None = None,
) -> BrokersAnswer:
    if measure not in ("betweenness", "degree"):
        raise QuestionError("measure must be 'betweenness' or 'degree'")
    if not 1 <= top <= MAX_TOP:
        raise QuestionError(f"top must be between 1 and {MAX_TOP}")
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


def _simple(nodes: list[str], edges: set[tuple[str, str]]) -> nx.Graph:
    """Undirected and simple, nodes and edges added in sorted order."""
    graph = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    graph.add_edges_from(sorted(edges))
    return graph


def _actor_graph(store: GraphStore, as_of: dt.date | None) -> tuple[dict[str, EntityRef], nx.Graph]:
    """Every non-theme entity and relation, read lean: keys, names, dates; no property blobs."""
    refs = {row["key"]: row_ref(row) for row in store.read("q_actor_nodes")}
    edges = {
        (min(row["start"], row["end"]), max(row["start"], row["end"]))
        for row in store.read("q_actor_relations")
        if holds(row, as_of)
    }
    return refs, _simple(list(refs), edges)


def _theme_graph(store: GraphStore, theme: str, as_of: dt.date | None) -> tuple[dict[str, EntityRef], nx.Graph]:
    family = theme_closure(store, [theme], as_of)[theme]
    actors = sorted({link.actor.key for link in theme_links(store, family, as_of) if link.actor.kind != THEME})
    if not actors:
        return {}, nx.Graph()
    kinds = [k for k in store.schema.node_kinds if k != THEME]
    multi = neighbourhood(store, actors, depth=1, kinds=kinds, as_of=as_of, node_cap=THEME_NEIGHBOURHOOD_CAP).graph
    refs = {key: ref(key, data) for key, data in multi.nodes(data=True)}
    return refs, _simple(list(refs), {(min(u, v), max(u, v)) for u, v in multi.edges()})
