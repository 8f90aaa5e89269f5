"""The neighbourhood of entities: the subgraph to a depth, filtered by kind or theme. Maps draw it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import networkx as nx
from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import NotFound
from questions.expand import expand
from questions.themes import theme_closure

MAX_DEPTH = 3
DEFAULT_NODE_CAP = 2_000


class NodeOut(BaseModel):
    key: str
    kind: str
    name_fi: str | None = None
    name_en: str | None = None
    depth: int


class EdgeOut(BaseModel):
    start: str
    end: str
    type: str
    role: str | None = None
    basis: str = "stated"


class NeighbourhoodAnswer(BaseModel):
    seeds: list[str]
    depth: int
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool
    message: str | None = None


@dataclass
class Neighbourhood:
    """The subgraph for maps (networkx, full node data, no contact fields) and its API answer."""

    graph: nx.MultiDiGraph
    answer: NeighbourhoodAnswer


def neighbourhood(
    store: GraphStore,
    keys: list[str],
    *,
    depth: int = 1,
    kinds: list[str] | None = None,
    themes: list[str] | None = None,
    as_of: dt.date | None = None,
    node_cap: int = DEFAULT_NODE_CAP,
) -> Neighbourhood:
    if not 0 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 0 and {MAX_DEPTH}")
    seeds = sorted(set(keys))
    known = store.kinds_of(seeds)
    missing = [k for k in seeds if k not in known]
    if missing:
        raise NotFound(f"no entity with key {', '.join(repr(m) for m in missing)}")
    ball = expand(store, seeds, depth, as_of=as_of, node_cap=node_cap)
    graph = store.snapshot(ball.depth, as_of=as_of)
    keep = set(graph.nodes)
    if kinds:
        keep = {k for k in keep if graph.nodes[k]["kind"] in kinds or k in seeds}
    if themes:
        wanted = set().union(*theme_closure(store, themes).values())
        touching = {
            u
            for u, v, d in graph.edges(data=True)
            if v in wanted and d["type"] in ("TOUCHES", "KEY_ACTOR_FOR", "LEADS")
        }
        keep &= touching | wanted | set(seeds)
    graph = nx.MultiDiGraph(graph.subgraph(keep))
    for key in graph.nodes:
        graph.nodes[key]["depth"] = ball.depth[key]
    message = None
    if ball.truncated:
        message = (
            f"The neighbourhood has more than {node_cap} entities; showing the {node_cap} nearest. "
            "Narrow it by kind or theme, or lower the depth."
        )
    answer = NeighbourhoodAnswer(
        seeds=seeds,
        depth=depth,
        nodes=[
            NodeOut(key=k, kind=d["kind"], name_fi=d.get("name_fi"), name_en=d.get("name_en"), depth=d["depth"])
            for k, d in sorted(graph.nodes(data=True), key=lambda item: (item[1]["depth"], item[0]))
        ],
        edges=sorted(
            (
                EdgeOut(start=u, end=v, type=d["type"], role=d.get("role"), basis=d.get("basis", "stated"))
                for u, v, d in graph.edges(data=True)
            ),
            key=lambda e: (e.start, e.type, e.end),
        ),
        truncated=ball.truncated,
        message=message,
    )
    return Neighbourhood(graph=graph, answer=answer)
