"""The maps of the questions' answers, declared once: which question, which parameters, how drawn.

Each `MapView` names the catalogue question it draws (`questions/registry.py`), its parameters as
a pydantic model, and `draw`: ask the question for its subgraph (`questions/subgraphs.py`, or the
neighbourhood's own), then lay out what was answered (`viz.maps.build_map`). The API's map routes
(`GET /maps/<name>` and `/maps/<name>.json`) and the `partnergraph map <name>` commands are built
from `MAP_VIEWS`; only which subgraph to draw and what to highlight is decided here. Unknown keys
raise `NotFound`, impossible requests `QuestionError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import networkx as nx
from pydantic import BaseModel, Field

from graph.model import display_name
from graph.store import GraphStore
from i18n import N_, translator
from questions.common import check_kinds
from questions.neighbourhood import MAX_DEPTH, Neighbourhood, neighbourhood_read
from questions.partners import PartnersAnswer, partners_by_themes
from questions.paths import PathsAnswer
from questions.registry import BY_NAME, KIND_ENUM, CliParam, IsoDate, Name, NeighbourhoodScope, PathsParams
from questions.resolve import Resolution
from questions.subgraphs import Subgraph, partners_subgraph, paths_subgraph, themes_subgraph
from questions.themes import ThemeOverview
from viz.maps import DEFAULT_NODE_CAP, MapData, MapOptions, build_map

P = TypeVar("P", bound=BaseModel)
MAX_NODE_CAP = 5_000
MAX_LIST = 50

# The neighbourhood question's own notice (questions.neighbourhood), in the page's language.
TRUNCATED = N_(
    "The neighbourhood has more than {cap} entities; showing the {cap} nearest. "
    "Narrow it by kind or theme, or lower the depth."
)


def _kinds() -> Any:
    return Field(
        None,
        alias="kind",
        max_length=MAX_LIST,
        description=N_("Keep only these node kinds (repeat the parameter)."),
        json_schema_extra=KIND_ENUM,
    )


def _node_cap() -> Any:
    return Field(DEFAULT_NODE_CAP, ge=1, le=MAX_NODE_CAP, description=N_("At most this many nodes on the map."))


def _as_of() -> Any:
    return Field(None, description=N_("Only relations valid on this day (yyyy-mm-dd)."))


# -- parameters ---------------------------------------------------------------------------------


class NeighbourhoodMap(NeighbourhoodScope):
    node_cap: int = _node_cap()


class NeighbourhoodMapPage(NeighbourhoodMap):
    depth: int = Field(2, ge=0, le=MAX_DEPTH, description=N_("How many relations away from the seeds."))


class ThemesMap(BaseModel):
    theme: list[Name] | None = Field(
        None,
        max_length=MAX_LIST,
        description=N_("Theme keys, names or aliases (repeatable); none: the theme overview."),
    )
    mode: Literal["all", "any"] = Field("any", description=N_("Partners of all the themes, or of any of them."))
    kinds: list[str] | None = _kinds()
    as_of: IsoDate | None = _as_of()
    node_cap: int = _node_cap()


# -- drawing ------------------------------------------------------------------------------------


def neighbourhood_map(
    found: Neighbourhood,
    *,
    depth: int = 1,
    as_of: dt.date | None = None,
    node_cap: int = DEFAULT_NODE_CAP,
    language: str = "en",
) -> MapData:
    """The entities within `depth` relations of the seeds (highlighted)."""
    _ = translator(language)
    names = ", ".join(_name(found.graph, k, language) for k in found.seeds)
    data = build_map(
        found.graph,
        title=_("Neighbourhood of {names}", names=names),
        subtitle=(
            _("depth {depth}, as of {date}", depth=depth, date=as_of.isoformat())
            if as_of
            else _("depth {depth}", depth=depth)
        ),
        highlight=found.seeds,
        options=MapOptions(node_cap=node_cap, language=language),
        notice=_(TRUNCATED, cap=node_cap) if found.truncated else None,
    )
    return _resolved(data, found.resolved)


def themes_map(found: Subgraph[PartnersAnswer], *, node_cap: int = DEFAULT_NODE_CAP, language: str = "en") -> MapData:
    """The partners working on the themes (`all` of them or `any`), the themes and their sub-themes."""
    _ = translator(language)
    answer, graph = found.answer, found.graph
    names = ", ".join(_name(graph, t, language) for t in answer.themes)
    count = len(answer.partners)
    why = {
        p.entity.key: [
            {
                "theme": m.theme,
                "theme_name": _name(graph, m.theme, language),
                "via_theme": m.via_theme,
                "via_name": _name(graph, m.via_theme, language),
                "relation": m.relation,
                "basis": m.basis,
                "role": m.role,
            }
            for m in p.matches
        ]
        for p in answer.partners
    }
    every = answer.mode == "all"
    if count == 1:
        subtitle = _("1 partner working on all of them") if every else _("1 partner working on any of them")
    else:
        subtitle = (
            _("{count} partners working on all of them", count=count)
            if every
            else _("{count} partners working on any of them", count=count)
        )
    data = build_map(
        graph,
        title=_("Partners for {names}", names=names),
        subtitle=subtitle,
        highlight=answer.themes,
        options=MapOptions(node_cap=node_cap, language=language),
        notice=None if count else _("No partners are linked to these themes (or their sub-themes)."),
        matches=why,
    )
    return _resolved(data, answer.resolved)


def overview_map(found: Subgraph[ThemeOverview], *, node_cap: int = DEFAULT_NODE_CAP, language: str = "en") -> MapData:
    """Every theme and sub-theme, sized by how many entities work on it."""
    _ = translator(language)
    return build_map(
        found.graph,
        title=_("Themes"),
        subtitle=_("sized by the entities working on each; pick themes to map their partners"),
        options=MapOptions(node_cap=node_cap, language=language),
        weights={t.key: float(t.direct_links) for t in found.answer.themes},
        size_label=_("entities working on each theme"),
    )


def paths_map(found: Subgraph[PathsAnswer], *, max_hops: int = 4, language: str = "en") -> MapData:
    """The shortest paths between two entities: their nodes and the relations they step along."""
    _ = translator(language)
    answer, graph = found.answer, found.graph
    start, end = answer.start, answer.end  # the keys the names given resolved to
    hops = answer.paths[0].hops if answer.paths else 0
    data = build_map(
        graph,
        title=_("Paths from {start} to {end}", start=_name(graph, start, language), end=_name(graph, end, language)),
        subtitle=_("{count} shortest path(s) of {hops} step(s)", count=len(answer.paths), hops=hops)
        if answer.paths
        else None,
        highlight=[start, end],
        options=MapOptions(language=language),
        notice=None if answer.paths else _("No path of at most {hops} steps links them.", hops=max_hops),
    )
    return _resolved(data, answer.resolved)


def _resolved(data: MapData, resolutions: list[Resolution]) -> MapData:
    """The map says what the names it was asked for were read as."""
    data.resolved = [r.model_dump(mode="json") for r in resolutions]
    return data


def _name(graph: nx.MultiDiGraph[str], key: str, language: str = "en") -> str:
    data = graph.nodes[key] if key in graph else {}
    return display_name({**data, "key": key}, language)


def _draw_neighbourhood(store: GraphStore, p: NeighbourhoodMap, language: str) -> MapData:
    found = neighbourhood_read(
        store, p.key, depth=p.depth, kinds=p.kinds, themes=p.theme or None, as_of=p.as_of, node_cap=p.node_cap
    )
    return neighbourhood_map(found, depth=p.depth, as_of=p.as_of, node_cap=p.node_cap, language=language)


def _draw_themes(store: GraphStore, p: ThemesMap, language: str) -> MapData:
    if not p.theme:
        check_kinds(store.schema, p.kinds)  # refused on the overview too, as the partners question refuses it
        return overview_map(themes_subgraph(store), node_cap=p.node_cap, language=language)
    answer = partners_by_themes(store, p.theme, mode=p.mode, kinds=p.kinds or None, as_of=p.as_of)
    return themes_map(partners_subgraph(store, answer, p.as_of), node_cap=p.node_cap, language=language)


def _draw_paths(store: GraphStore, p: PathsParams, language: str) -> MapData:
    answer: PathsAnswer = BY_NAME["paths"].ask(store, p)  # the question itself, its own parameters
    return paths_map(paths_subgraph(store, answer, p.as_of), max_hops=p.max_hops, language=language)


# -- the catalogue of maps ----------------------------------------------------------------------


@dataclass(frozen=True)
class MapView(Generic[P]):
    name: str  # GET /maps/<name>, /maps/<name>.json, `partnergraph map <name>`
    question: str  # the catalogue question whose answer it draws
    summary: str  # the page's OpenAPI summary
    data_summary: str  # the JSON's
    help: str  # the command's help: an N_() message of the catalogues
    params: type[P]  # the JSON's parameters (the explorer's)
    draw: Callable[[GraphStore, P, str], MapData]  # (store, parameters, language)
    page_params: type[P] | None = None  # the page's and the command's, where their defaults differ
    cli: Mapping[str, CliParam] = field(default_factory=dict)

    @property
    def page_model(self) -> type[P]:
        return self.page_params or self.params


KINDS_CLI = CliParam(name="kind", help=N_("Keep only these node kinds (repeatable)."))
MAP_VIEWS: tuple[MapView[Any], ...] = (
    MapView(
        name="neighbourhood",
        question="neighbourhood",
        summary="Map of the entities around one or more entities",
        data_summary="The neighbourhood map as data (styled nodes, edges, layout, details)",
        help=N_("The entities within DEPTH relations of KEYS."),
        params=NeighbourhoodMap,
        page_params=NeighbourhoodMapPage,
        draw=_draw_neighbourhood,
        cli={
            "key": CliParam(
                argument=True, name="keys", help=N_("Entities to centre the map on: keys, names or aliases.")
            ),
            "depth": CliParam(help=N_("How many relations away.")),
            "kinds": KINDS_CLI,
            "theme": CliParam(help=N_("Keep entities on these themes.")),
        },
    ),
    MapView(
        name="themes",
        question="partners",
        summary="Map of the partners working on themes (sub-themes included); without a theme, the theme overview",
        data_summary="The themes map (or the theme overview) as data",
        help=N_("The partners working on the themes (sub-themes included), or every theme without --theme."),
        params=ThemesMap,
        draw=_draw_themes,
        cli={
            "mode": CliParam(help=N_("Partners of 'any' of the themes or of 'all' of them.")),
            "kinds": KINDS_CLI,
        },
    ),
    MapView(
        name="paths",
        question="paths",
        summary="Map of the shortest paths between two entities",
        data_summary="The paths map as data",
        help=N_("The shortest paths between START and END."),
        params=PathsParams,
        draw=_draw_paths,
        cli={
            "start": CliParam(argument=True),
            "end": CliParam(argument=True),
            "max_hops": CliParam(help=N_("Longest path considered.")),
            "limit": CliParam(help=N_("At most this many shortest paths.")),
        },
    ),
)
MAPS_BY_NAME: dict[str, MapView[Any]] = {view.name: view for view in MAP_VIEWS}
