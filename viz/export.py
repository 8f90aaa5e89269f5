"""Exporters: one networkx graph (a store snapshot, or part of one) to GraphML, GEXF or JSON.

Each exporter is a small adapter over the same flattened graph and returns the file's content; the
caller does the I/O. GraphML and GEXF hold scalars only, so lists are joined with "; ", sources
become one JSON string and dates ISO strings. JSON is networkx's node-link format (`links`) and
keeps lists and sources as they are. Every node gets a `label` (its name) for Gephi.

Snapshots never hold personal contact data; `add_contacts` puts email and phone on Person nodes for
an export that explicitly asks for them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import networkx as nx

LIST_SEPARATOR = "; "
FORMATS = ("graphml", "gexf", "json")
CONTACT_FIELDS = ("email", "phone")


class ExportError(ValueError):
    """An export that cannot be made as asked (unknown key or format)."""


def subgraph(graph: nx.MultiDiGraph[str], keys: Iterable[str], depth: int = 1) -> nx.MultiDiGraph[str]:
    """The given nodes and every node within `depth` relations of them (in either direction)."""
    wanted = list(dict.fromkeys(keys))
    missing = [k for k in wanted if k not in graph]
    if missing:
        raise ExportError(f"no node with key {', '.join(map(repr, missing))}")
    if depth < 0:
        raise ExportError("depth must be 0 or more")
    if not wanted:
        return graph.copy()
    reach = nx.multi_source_dijkstra_path_length(graph.to_undirected(as_view=True), wanted, cutoff=depth)
    return graph.subgraph(reach).copy()


def add_contacts(graph: nx.MultiDiGraph[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """Put contact fields (rows of key, email, phone) on the graph's nodes that have them."""
    for row in rows:
        if row.get("key") in graph:
            for name in CONTACT_FIELDS:
                if row.get(name):
                    graph.nodes[row["key"]][name] = row[name]


def _scalar(value: Any) -> Any:
    """A property value as GraphML/GEXF can hold it: str, int, float or bool."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        if all(isinstance(v, str) for v in value):
            return LIST_SEPARATOR.join(value)
        return json.dumps(list(value), ensure_ascii=False, default=str, sort_keys=True)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _label(key: str, data: Mapping[str, Any]) -> str:
    return str(data.get("name_en") or data.get("name_fi") or key)


def flatten(graph: nx.MultiDiGraph[str], value: Callable[[Any], Any] = _scalar) -> nx.MultiDiGraph[str]:
    """A copy with every property converted by `value` (None dropped) and a `label` on each node.
    Sources are always one JSON string in the scalar formats, even when there is only one."""
    out: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for key, data in graph.nodes(data=True):
        props = {name: _flat(name, v, value) for name, v in data.items() if v is not None}
        out.add_node(key, **props, label=_label(key, data))
    for start, end, rel_key, data in graph.edges(keys=True, data=True):
        out.add_edge(start, end, key=rel_key, **{n: _flat(n, v, value) for n, v in data.items() if v is not None})
    return out


def _flat(name: str, v: Any, value: Callable[[Any], Any]) -> Any:
    if name == "sources" and value is _scalar:
        return json.dumps(_json_value(v), ensure_ascii=False, sort_keys=True)
    return value(v)


def to_graphml(graph: nx.MultiDiGraph[str]) -> bytes:
    flat = flatten(graph)
    return "\n".join(nx.generate_graphml(flat, encoding="utf-8", prettyprint=True)).encode("utf-8") + b"\n"


def to_gexf(graph: nx.MultiDiGraph[str]) -> bytes:
    flat = flatten(graph)
    # GEXF reserves an edge's `type` (directed/undirected), `label` and `id`: the relation type
    # goes to `relation` and the label, the relation key to the edge id.
    for _start, _end, rel_key, data in flat.edges(keys=True, data=True):
        relation = data.pop("type", "")
        data.update(relation=relation, label=relation, id=str(rel_key))
    return "\n".join(nx.generate_gexf(flat, encoding="utf-8", prettyprint=True)).encode("utf-8") + b"\n"


def to_json(graph: nx.MultiDiGraph[str]) -> bytes:
    flat = flatten(graph, _json_value)
    data = nx.node_link_data(flat, edges="links")
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"


EXPORTERS: dict[str, Callable[[nx.MultiDiGraph[str]], bytes]] = {
    "graphml": to_graphml,
    "gexf": to_gexf,
    "json": to_json,
}


def export(graph: nx.MultiDiGraph[str], fmt: str) -> bytes:
    """The graph in format `fmt` (graphml, gexf or json)."""
    if fmt not in EXPORTERS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return EXPORTERS[fmt](graph)
