"""A networkx subgraph in, an interactive vis-network map out.

`build_map` turns any question's subgraph (a neighbourhood, partners by themes, paths, a theme
overview) into a `MapData`: vis-network nodes and edges (built with pyvis's `Network`, styled from
the schema), a precomputed layout, a legend for every kind and relation type shown, and a details
record per node and edge. Only whitelisted attributes are copied: the schema's common node
properties, each kind's own non-personal properties and provenance. Personal contact fields never
reach a map even if a graph carried them.

`render_map` renders it with our own Jinja2 template (autoescaped; the data goes in as JSON with
`<`, `>` and `&` escaped), inlining vis-network's JS and CSS so that a saved file makes no request
to any other host.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from graph.model import decode_sources, display_name
from graph.schema import Schema, load_schema
from i18n import N_, messages, normalise, translator
from viz.labels import labels
from viz.layout import compute_layout
from viz.style import MapStyle, SizeBy, scale_sizes, style_from_schema

VIZ_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = VIZ_DIR / "templates"
STATIC_DIR = VIZ_DIR / "static"
VIS_JS, VIS_CSS = "vis-network.min.js", "vis-network.css"
MAP_JS, MAP_CSS = "map.js", "map.css"

DEFAULT_NODE_CAP = 2_000
DEFAULT_PHYSICS_LIMIT = 300  # above this many nodes the precomputed layout is final
LABEL_MAX = 40
EDGE_PROPERTIES = ("role", "basis", "since", "until", "note")
SIZE_LABELS = {
    "degree": N_("neighbours on this map (degree)"),
    "pagerank": N_("PageRank on this map"),
    "betweenness": N_("how often it lies between others (betweenness)"),
}


class MapError(ValueError):
    """A map cannot be drawn from what was given (e.g. an empty graph when one is required)."""


@dataclass(frozen=True)
class MapOptions:
    """How a map is drawn; every field has a sensible default."""

    node_cap: int = DEFAULT_NODE_CAP
    physics_limit: int = DEFAULT_PHYSICS_LIMIT
    size_by: SizeBy = "degree"
    seed: int = 7
    language: str = "en"  # the page's language (fi, sv, en): its texts, and which name labels the nodes


@dataclass
class MapData:
    """Everything a page needs to draw one map; `payload()` is what goes to the browser."""

    title: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    details: dict[str, dict[str, Any]]
    edge_details: dict[str, dict[str, Any]]
    legend: dict[str, list[dict[str, Any]]]
    options: dict[str, Any]
    style: MapStyle
    subtitle: str | None = None
    notice: str | None = None
    total_nodes: int = 0
    highlight: list[str] = field(default_factory=list)
    size_label: str = ""  # what node sizes mean, for the legend
    language: str = "en"  # what the page speaks (its texts come from the catalogues)
    resolved: list[dict[str, Any]] = field(default_factory=list)  # how the question's names were read

    @property
    def physics(self) -> bool:
        return bool(self.options.get("physics", {}).get("enabled"))

    def payload(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "notice": self.notice,
            "nodes": self.nodes,
            "edges": self.edges,
            "details": self.details,
            "edgeDetails": self.edge_details,
            "legend": self.legend,
            "options": self.options,
            "style": _style_json(self.style, self.language),
            "highlight": self.highlight,
            "sizeLabel": self.size_label,
            "resolved": self.resolved,
            "stats": {"nodes": len(self.nodes), "edges": len(self.edges), "totalNodes": self.total_nodes},
        }


# The style and its JSON are the same for every map of a schema (and language): made for every
# map they took 0.4 ms of a small map's 5-7 ms. Keyed on the objects themselves, a few kept.
_STYLES: dict[int, tuple[Schema, MapStyle]] = {}
_STYLE_JSON: dict[tuple[int, str], tuple[MapStyle, dict[str, Any]]] = {}
_KEPT = 8


def _style_of(schema: Schema) -> MapStyle:
    found = _STYLES.get(id(schema))
    if found is None or found[0] is not schema:
        if len(_STYLES) >= _KEPT:
            _STYLES.clear()
        found = _STYLES[id(schema)] = (schema, style_from_schema(schema))
    return found[1]


def _style_json(style: MapStyle, language: str) -> dict[str, Any]:
    """The style for the browser, its labels in `language` (shared by every payload: read only)."""
    found = _STYLE_JSON.get((id(style), language))
    if found is None or found[0] is not style:
        if len(_STYLE_JSON) >= _KEPT:
            _STYLE_JSON.clear()
        found = _STYLE_JSON[id(style), language] = (style, {**style.as_json(), **labels(language, style)})
    return found[1]


class _NodeIds(list[str]):
    """pyvis 0.3.2 asks `key in network.node_ids` for every node and twice for every edge: a list
    scan each, quadratic in a 2,000-node map. The same list, with a set beside it to answer."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()

    def append(self, key: str) -> None:
        super().append(key)
        self._seen.add(key)

    def __contains__(self, key: object) -> bool:
        return key in self._seen


# --------------------------------------------------------------------------------------------
# Attribute whitelists


@cache
def _node_whitelist(schema: Schema, kind: str) -> tuple[str, ...]:
    """Common properties plus the kind's own, minus personal ones (contact data never shows)."""
    personal = schema.personal_property_names
    names = [n for n in schema.node_properties if n != "key"]
    if kind in schema.node_kinds:
        names += list(schema.node_kinds[kind].properties)
    return tuple(n for n in names if n not in personal)


def _plain(value: Any) -> Any:
    """JSON-safe values: dates as ISO strings, tuples as lists, anything else as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def _sources(raw: Any) -> list[dict[str, str]]:
    """What a map's details show of each source: the quote and where it stands, or who entered it."""
    fields = ("doc", "section", "quote", "by", "at", "note")
    shown = (source.model_dump(mode="json") for source in decode_sources(raw, skip_invalid=True))
    return [{k: str(item[k]) for k in fields if item.get(k) is not None} for item in shown]


def node_name(attrs: Mapping[str, Any], key: str, language: str = "en") -> str:
    return display_name({**attrs, "key": key}, language)


def _label(name: str) -> str:
    return name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1] + "…"


# --------------------------------------------------------------------------------------------
# Layout, sizes, cap


def _neighbour_counts(graph: nx.MultiDiGraph[str]) -> dict[str, int]:
    return {n: len(set(graph.successors(n)) | set(graph.predecessors(n))) for n in graph.nodes}


def _centrality(graph: nx.MultiDiGraph[str], size_by: SizeBy, seed: int) -> dict[str, float]:
    if size_by == "degree" or graph.number_of_nodes() < 3:
        return {n: float(v) for n, v in _neighbour_counts(graph).items()}
    simple = nx.Graph(graph.to_undirected(as_view=True))
    if size_by == "pagerank":
        return {n: float(v) for n, v in nx.pagerank(simple).items()}
    k = min(simple.number_of_nodes(), 200) if simple.number_of_nodes() > 500 else None
    return {n: float(v) for n, v in nx.betweenness_centrality(simple, k=k, seed=seed).items()}


def _cap_nodes(graph: nx.MultiDiGraph[str], cap: int, first: Iterable[str]) -> list[str]:
    """The nodes to keep when a graph exceeds the cap: the highlighted ones, then the best connected."""
    degree = _neighbour_counts(graph)
    keep = [k for k in dict.fromkeys(first) if k in graph][:cap]
    chosen = set(keep)
    rest = sorted((n for n in graph.nodes if n not in chosen), key=lambda n: (-degree[n], str(n)))
    return keep + rest[: max(cap - len(keep), 0)]


def edge_opacity(edge_count: int) -> float:
    """Lines fade as they crowd: opaque up to 300 relations, a quarter at 3,000 and more."""
    if edge_count <= 300:
        return 1.0
    return round(max(0.25, 1.0 - 0.75 * (edge_count - 300) / 2_700), 2)


def vis_options(node_count: int, edge_count: int, physics_limit: int = DEFAULT_PHYSICS_LIMIT) -> dict[str, Any]:
    """Global vis-network options: physics only for small maps (and quickly stabilised)."""
    physics = node_count <= physics_limit
    return {
        "autoResize": True,
        "nodes": {
            "font": {"size": 13, "face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "borderWidth": 1.5,
            "scaling": {"label": {"enabled": False}},
        },
        "edges": {
            "width": 1.3,
            "color": {"opacity": edge_opacity(edge_count)},
            "selectionWidth": 2,
            "smooth": {"enabled": True, "type": "continuous", "roundness": 0.2}
            if edge_count <= 1_500
            else {"enabled": False},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "multiselect": True,
            "navigationButtons": False,
            "keyboard": False,
            "hideEdgesOnDrag": edge_count > 1_500,
            "hideEdgesOnZoom": edge_count > 3_000,
        },
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110, "avoidOverlap": 0.4},
            "stabilization": {"enabled": physics, "iterations": 150, "updateInterval": 50, "fit": True},
        },
        "layout": {"improvedLayout": False, "randomSeed": 7},
    }


# --------------------------------------------------------------------------------------------
# Building


def _bend(nth: int) -> dict[str, Any]:
    """Parallel relations between the same two nodes: the nth (from 1) bends away from the others."""
    if not nth:
        return {}
    return {
        "smooth": {
            "enabled": True,
            "type": "curvedCW" if nth % 2 else "curvedCCW",
            "roundness": 0.15 * ((nth + 1) // 2),
        }
    }


def build_map(
    graph: nx.MultiDiGraph[str] | nx.DiGraph[str] | nx.Graph[str],
    *,
    title: str = "partnergraph map",
    subtitle: str | None = None,
    highlight: Iterable[str] = (),
    options: MapOptions | None = None,
    schema: Schema | None = None,
    weights: Mapping[str, float] | None = None,
    notice: str | None = None,
    matches: Mapping[str, list[dict[str, Any]]] | None = None,
    size_label: str | None = None,
) -> MapData:
    """Style, lay out and describe `graph` (nodes keyed by entity key, attributes as in
    `GraphStore.snapshot()`); at most `options.node_cap` nodes are kept, with a notice.
    `weights` sizes the nodes instead of `options.size_by` (e.g. how many entities touch a theme);
    `notice` is shown above the map (e.g. a question's own truncation message); `matches` lists,
    per node, why a question picked it (shown in its details)."""
    options = options or MapOptions()
    schema = schema or load_schema()
    style = _style_of(schema)
    full = graph if isinstance(graph, nx.MultiDiGraph) else nx.MultiDiGraph(graph)
    highlight = [str(k) for k in highlight if k in full]
    total = full.number_of_nodes()
    if total > options.node_cap:
        keep = _cap_nodes(full, options.node_cap, highlight)
        full = full.subgraph(keep).copy()
        notice = translator(options.language)(
            "This map has {total} nodes, more than the limit of {cap}: showing the {cap} best connected. "
            "Narrow the question (a smaller depth, fewer themes or kinds) to see the rest.",
            total=f"{total:,}",
            cap=f"{options.node_cap:,}",
        )
    if weights is not None:
        sizes = scale_sizes({n: float(weights.get(n, 0.0)) for n in full.nodes})
    else:
        sizes = scale_sizes(_centrality(full, options.size_by, options.seed))
    positions = compute_layout(full, options.seed)
    physics = full.number_of_nodes() <= options.physics_limit
    net = Network(directed=True, height="100%", width="100%", cdn_resources="local")
    net.node_ids = _NodeIds()
    details: dict[str, dict[str, Any]] = {}
    highlighted = set(highlight)

    for node_key, attrs in full.nodes(data=True):
        key = str(node_key)
        kind = str(attrs.get("kind") or "")
        name = node_name(attrs, key, options.language)
        x, y = positions.get(key, (0.0, 0.0))
        extra: dict[str, Any] = {}
        if key in highlighted:
            extra = {"borderWidth": 4, "font": {"size": 16}}
        net.add_node(
            key,
            label=_label(name),
            shape=style.kind(kind).shape,
            color=style.kind(kind).vis()["color"],
            size=sizes.get(key, 10.0),
            x=x,
            y=y,
            kind=kind,
            physics=physics,
            **extra,
        )
        details[key] = _node_details(full, key, attrs, schema, options.language)
        if matches and key in matches:
            details[key]["matches"] = [{k: _plain(v) for k, v in m.items()} for m in matches[key]]

    edge_details: dict[str, dict[str, Any]] = {}
    pair_count: Counter[tuple[str, str]] = Counter()
    for u, v, mkey, attrs in full.edges(keys=True, data=True):
        start, end = str(u), str(v)
        rtype = str(attrs.get("type") or "")
        rel = style.relation(rtype)
        edge_id = str(attrs.get("rel_key") or f"{start}|{rtype}|{end}|{mkey}")
        while edge_id in edge_details:  # the same relation twice in a hand-made graph
            edge_id += "'"
        pair = (min(start, end), max(start, end))
        nth = pair_count[pair]
        pair_count[pair] += 1
        basis = str(attrs.get("basis") or "stated")
        vis = rel.vis(inferred=basis == "inferred")
        smooth = _bend(nth)
        net.add_edge(
            start,
            end,
            id=edge_id,
            type=rtype,
            basis=basis,
            dashes=vis["dashes"],
            color=vis["color"],
            arrows=vis["arrows"],
            **smooth,
        )
        edge_details[edge_id] = _edge_details(full, start, end, rtype, attrs, options.language)

    net.set_options(json.dumps(vis_options(full.number_of_nodes(), full.number_of_edges(), options.physics_limit)))
    nodes, edges, _heading, _height, _width, options_json = net.get_network_data()
    legend = style.legend(
        (d["kind"] for d in details.values()),
        (d["type"] for d in edge_details.values()),
        inferred=any(d.get("basis") == "inferred" for d in edge_details.values()),
    )
    return MapData(
        title=title,
        subtitle=subtitle,
        notice=notice,
        nodes=[_plain_dict(n) for n in nodes],
        edges=[_plain_dict(e) for e in edges],
        details=details,
        edge_details=edge_details,
        legend=legend,
        options=json.loads(options_json),
        style=style,
        total_nodes=total,
        highlight=highlight,
        size_label=size_label
        or ("" if weights is not None else translator(options.language)(SIZE_LABELS[options.size_by])),
        language=normalise(options.language) or "en",
    )


def _plain_dict(item: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in item.items()}


def _node_details(
    graph: nx.MultiDiGraph[str], key: str, attrs: Mapping[str, Any], schema: Schema, language: str
) -> dict[str, Any]:
    kind = str(attrs.get("kind") or "")
    props = {
        name: _plain(attrs[name]) for name in _node_whitelist(schema, kind) if attrs.get(name) not in (None, "", [])
    }
    themes: dict[str, str] = {}
    theme_kind = schema.kind_with_role("theme")  # out-neighbours of this kind are listed as a node's themes
    for _, target in graph.out_edges(key):
        if graph.nodes[target].get("kind") == theme_kind:
            themes[str(target)] = node_name(graph.nodes[target], str(target), language)
    for extra in attrs.get("themes") or ():  # a question may list themes outside the subgraph
        if isinstance(extra, str):
            themes.setdefault(extra, node_name(graph.nodes[extra], extra, language) if extra in graph else extra)
    return {
        "key": key,
        "kind": kind,
        "name": node_name(attrs, key, language),
        "name_fi": props.pop("name_fi", None),
        "name_en": props.pop("name_en", None),
        "aliases": props.pop("aliases", None) or [],
        "description_fi": props.pop("description_fi", None),
        "description_en": props.pop("description_en", None),
        "url": props.pop("url", None),
        "properties": props,
        "themes": [{"key": k, "name": v} for k, v in themes.items()],
        "sources": _sources(attrs.get("sources")),
    }


def _edge_details(
    graph: nx.MultiDiGraph[str], start: str, end: str, rtype: str, attrs: Mapping[str, Any], language: str
) -> dict[str, Any]:
    return {
        "type": rtype,
        "from": start,
        "to": end,
        "from_name": node_name(graph.nodes[start], start, language),
        "to_name": node_name(graph.nodes[end], end, language),
        **{name: _plain(attrs[name]) for name in EDGE_PROPERTIES if attrs.get(name) not in (None, "")},
        "sources": _sources(attrs.get("sources")),
    }


# --------------------------------------------------------------------------------------------
# Rendering


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML `<script>` element: `<`, `>` and `&` are escaped as \\u
    sequences (so neither `</script>` nor `<!--` can appear), as are U+2028/U+2029."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2", "html.j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["script_json"] = script_json
    return env


@cache
def asset_text(name: str) -> str:
    """A static asset's text, checked to be safe to inline in a `<script>` or `<style>` element."""
    if name not in (VIS_JS, VIS_CSS, MAP_JS, MAP_CSS):
        raise KeyError(name)
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    lowered = text.lower()
    closing = "</style" if name.endswith(".css") else "</script"
    if closing in lowered or "<!--" in lowered:
        raise MapError(f"{name} cannot be inlined safely (it contains {closing!r} or '<!--')")
    return text


def render_map(map_data: MapData, *, standalone: bool = True, static_url: str = "/static") -> str:
    """The map as an HTML page. `standalone` inlines every script and stylesheet (a file that
    opens offline); otherwise they are referenced under `static_url` (served by the API)."""
    assets = (
        {
            "vis_js": asset_text(VIS_JS),
            "vis_css": asset_text(VIS_CSS),
            "map_js": asset_text(MAP_JS),
            "map_css": asset_text(MAP_CSS),
        }
        if standalone
        else None
    )
    hashes = [csp_hash(assets["vis_js"]), csp_hash(assets["map_js"])] if assets else []
    return (
        _environment()
        .get_template("map.html.j2")
        .render(
            map=map_data,
            legend=map_data.legend,
            payload=map_data.payload(),
            assets=assets,
            script_hashes=hashes,
            static_url=static_url.rstrip("/"),
            standalone=standalone,
            lang=map_data.language,
            _=translator(map_data.language),
            messages=messages(map_data.language),
        )
    )


def map_html(
    graph: nx.MultiDiGraph[str] | nx.DiGraph[str] | nx.Graph[str],
    *,
    standalone: bool = True,
    static_url: str = "/static",
    **build: Any,
) -> str:
    """`build_map` (with its keyword arguments: title, subtitle, highlight, options…) then
    `render_map`: a graph in, an HTML page out."""
    return render_map(build_map(graph, **build), standalone=standalone, static_url=static_url)


def write_map(graph: nx.MultiDiGraph[str] | nx.DiGraph[str] | nx.Graph[str], path: Path, **kwargs: Any) -> MapData:
    """Build a standalone map of `graph` and write it to `path` (UTF-8); returns the map data."""
    data = build_map(graph, **kwargs)
    path.write_text(render_map(data, standalone=True), encoding="utf-8")
    return data
