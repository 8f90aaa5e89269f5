"""The subgraph each map draws, answered together with its question.

A map needs every property and the provenance of what it shows, which the answers leave out; the
subgraph of an answer is read here, once, so `viz/` draws what was answered and never reads the
store itself. Personal contact fields are never in a snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import networkx as nx
from pydantic import BaseModel

from graph.store import GraphStore
from questions.partners import PartnersAnswer
from questions.paths import PathsAnswer
from questions.themes import ThemeOverview, theme_overview

A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True)
class Subgraph(Generic[A]):
    answer: A
    graph: nx.MultiDiGraph[str]


def partners_subgraph(
    store: GraphStore, answer: PartnersAnswer, as_of: dt.date | None = None
) -> Subgraph[PartnersAnswer]:
    """The partners found, the themes asked for and the sub-themes they matched through."""
    theme_keys = set(answer.themes) | {m.via_theme for p in answer.partners for m in p.matches}
    partner_keys = {p.entity.key for p in answer.partners}
    return Subgraph(answer, store.snapshot(theme_keys | partner_keys, as_of=as_of))


def themes_subgraph(store: GraphStore) -> Subgraph[ThemeOverview]:
    """Every theme and the relations among them."""
    overview = theme_overview(store)
    return Subgraph(overview, store.snapshot([t.key for t in overview.themes]))


def paths_subgraph(store: GraphStore, answer: PathsAnswer, as_of: dt.date | None = None) -> Subgraph[PathsAnswer]:
    """The nodes of the shortest paths found and only the relations they step along (not every
    relation that happens to link two of their nodes)."""
    keys = {n.key for p in answer.paths for n in p.nodes} or {answer.start, answer.end}
    steps = {(s.start, s.end, t) for p in answer.paths for s in p.steps for t in s.types}
    return Subgraph(answer, keep_relations(store.snapshot(keys, as_of=as_of), steps))


def keep_relations(graph: nx.MultiDiGraph[str], allowed: Iterable[tuple[str, str, str]]) -> nx.MultiDiGraph[str]:
    """A copy of `graph` with only the relations listed as (start, end, type)."""
    wanted = set(allowed)
    out: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    out.add_nodes_from(graph.nodes(data=True))
    for u, v, k, d in graph.edges(keys=True, data=True):
        if (u, v, d.get("type")) in wanted:
            out.add_edge(u, v, key=k, **d)
    return out
