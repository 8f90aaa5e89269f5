"""The subgraph each map draws, answered together with its question.

A map needs every property and the provenance of what it shows, which the answers leave out; the
question reads that subgraph here, once, so `viz/` draws what was answered and never reads the
store itself. Personal contact fields are never in a snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

import networkx as nx
from pydantic import BaseModel

from graph.store import GraphStore
from questions.partners import PartnersAnswer, partners_by_themes
from questions.paths import PathsAnswer, paths
from questions.themes import ThemeOverview, theme_overview

A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True)
class Subgraph(Generic[A]):
    answer: A
    graph: nx.MultiDiGraph


def partners_subgraph(
    store: GraphStore,
    themes: Iterable[str],
    *,
    mode: Literal["all", "any"] = "any",
    kinds: list[str] | None = None,
    as_of: dt.date | None = None,
) -> Subgraph[PartnersAnswer]:
    """The partners on the themes, the themes asked for and the sub-themes they matched through."""
    answer = partners_by_themes(store, themes, mode=mode, kinds=kinds, as_of=as_of)
    theme_keys = set(answer.themes) | {m.via_theme for p in answer.partners for m in p.matches}
    partner_keys = {p.entity.key for p in answer.partners}
    return Subgraph(answer, store.snapshot(theme_keys | partner_keys, as_of=as_of))


def themes_subgraph(store: GraphStore) -> Subgraph[ThemeOverview]:
    """Every theme and the relations among them."""
    overview = theme_overview(store)
    return Subgraph(overview, store.snapshot([t.key for t in overview.themes]))


def paths_subgraph(
    store: GraphStore,
    start: str,
    end: str,
    *,
    max_hops: int = 4,
    limit: int = 5,
    as_of: dt.date | None = None,
) -> Subgraph[PathsAnswer]:
    """The nodes of the shortest paths and only the relations they step along (not every relation
    that happens to link two of their nodes)."""
    answer = paths(store, start, end, max_hops=max_hops, limit=limit, as_of=as_of)
    keys = {n.key for p in answer.paths for n in p.nodes} or {answer.start, answer.end}
    steps = {(s.start, s.end, t) for p in answer.paths for s in p.steps for t in s.types}
    return Subgraph(answer, keep_relations(store.snapshot(keys, as_of=as_of), steps))


def keep_relations(graph: nx.MultiDiGraph, allowed: Iterable[tuple[str, str, str]]) -> nx.MultiDiGraph:
    """A copy of `graph` with only the relations listed as (start, end, type)."""
    wanted = set(allowed)
    out = nx.MultiDiGraph()
    out.add_nodes_from(graph.nodes(data=True))
    out.add_edges_from(
        (u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True) if (u, v, d.get("type")) in wanted
    )
    return out
