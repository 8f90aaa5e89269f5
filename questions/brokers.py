"""Brokers: the most central entities, overall or within a theme's neighbourhood (networkx)."""

from __future__ import annotations

from typing import Literal

import networkx as nx
from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef, ref
from questions.neighbourhood import neighbourhood

EXACT_BETWEENNESS_LIMIT = 3_000  # above this many nodes, betweenness is estimated from a seeded sample
SAMPLE = 500


class Broker(BaseModel):
    entity: EntityRef
    score: float


class BrokersAnswer(BaseModel):
    measure: Literal["betweenness", "degree"]
    theme: str | None
    estimated: bool
    brokers: list[Broker]


def brokers(
    store: GraphStore,
    *,
    theme: str | None = None,
    top: int = 10,
    measure: Literal["betweenness", "degree"] = "betweenness",
) -> BrokersAnswer:
    multi = neighbourhood(store, [theme], depth=2, node_cap=50_000).graph if theme else store.snapshot()
    graph = nx.Graph(multi.to_undirected())  # simple and undirected: a partnership links both ways
    estimated = False
    if measure == "degree":
        scores = nx.degree_centrality(graph)
    elif graph.number_of_nodes() > EXACT_BETWEENNESS_LIMIT:
        estimated = True
        scores = nx.betweenness_centrality(graph, k=SAMPLE, seed=7)
    else:
        scores = nx.betweenness_centrality(graph)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:top]
    return BrokersAnswer(
        measure=measure,
        theme=theme,
        estimated=estimated,
        brokers=[Broker(entity=ref(k, multi.nodes[k]), score=round(s, 6)) for k, s in ranked],
    )
