"""Maps of the questions' subgraphs: as HTML pages, and as JSON map payloads for the explorer.

Each map asks a question (questions/) for its subgraph and hands it to viz/: no question logic
here, only which subgraph to draw and what to highlight. `GET /maps/<name>` answers an HTML page
(scripts from /static; `download=true` for a self-contained file), `GET /maps/<name>.json` the
same map as data (styled nodes and edges, layout, details, legend) that the explorer adds to its
vis DataSet. The maps themselves are `viz.views`, shared with the CLI (`partnergraph map …`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import Reader, StoreDep
from api.language import Language
from api.problems import ProblemError
from graph.schema import load_schema
from graph.store import GraphStore
from questions.common import check_kinds
from questions.neighbourhood import MAX_DEPTH
from questions.paths import MAX_HOPS
from questions.registry import IsoDate
from viz.maps import DEFAULT_NODE_CAP, MapData, render_map
from viz.views import neighbourhood_map, overview_map, paths_map, themes_map

router = APIRouter(prefix="/maps", tags=["maps"])

MAX_NODE_CAP = 5_000
MAX_LIST = 50
THEME_KIND = "Theme"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)

Key = Annotated[str, Query(min_length=1, max_length=200, description="An entity's key, name or alias (fi, sv, en).")]
Keys = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=200)]],
    Query(max_length=MAX_LIST, description="Entity keys, names or aliases (repeatable)."),
]
_SCHEMA = load_schema()  # for the OpenAPI enums; the store's schema is checked per request
Kinds = Annotated[
    list[str] | None,
    Query(
        alias="kind",
        max_length=MAX_LIST,
        description="Keep only these node kinds (repeat the parameter).",
        json_schema_extra={"items": {"type": "string", "enum": list(_SCHEMA.node_kinds)}},
    ),
]
AsOf = Annotated[IsoDate | None, Query(description="Only relations valid on this day (yyyy-mm-dd).")]
NodeCap = Annotated[int, Query(ge=1, le=MAX_NODE_CAP, description="At most this many nodes on the map.")]
Download = Annotated[bool, Query(description="A self-contained HTML file, as an attachment.")]


# -- HTTP ---------------------------------------------------------------------------------------


@contextmanager
def _answers() -> Iterator[None]:
    """Question errors as problems: an impossible request is 422; an unknown or ambiguous key or
    name goes to the app's handlers (404 / 409 with suggestions)."""
    try:
        yield
    except ValueError as exc:
        raise ProblemError(422, str(exc), slug="invalid-request") from exc


def _html(data: MapData, download: bool) -> HTMLResponse:
    headers = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff"}
    if download:
        name = re.sub(r"[^a-z0-9]+", "-", data.title.lower()).strip("-") or "map"
        headers["Content-Disposition"] = f'attachment; filename="{name[:60]}.html"'
        headers.pop("Content-Security-Policy")  # the file carries its own, hash-based policy
    return HTMLResponse(render_map(data, standalone=download), headers=headers)


def _json(data: MapData) -> JSONResponse:
    return JSONResponse(data.payload())


def _neighbourhood(
    store: GraphStore,
    key: list[str],
    depth: int,
    kinds: list[str] | None,
    theme: list[str] | None,
    as_of: dt.date | None,
    node_cap: int,
    language: str = "en",
) -> MapData:
    if not key:
        raise ProblemError(422, "give at least one entity key (key=…)", slug="invalid-request")
    with _answers():
        return neighbourhood_map(
            store, key, depth=depth, kinds=kinds, themes=theme, as_of=as_of, node_cap=node_cap, language=language
        )


Depth = Annotated[int, Query(ge=0, le=MAX_DEPTH, description="How many relations away from the seeds.")]
Themes = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=200)]] | None,
    Query(max_length=MAX_LIST, description="Theme keys, names or aliases (repeatable)."),
]


@router.get("/neighbourhood", response_class=HTMLResponse, summary="Map of the entities around one or more entities")
def neighbourhood_page(
    store: StoreDep,
    _: Reader,
    language: Language,
    key: Keys,
    depth: Depth = 2,
    kinds: Kinds = None,
    theme: Themes = None,
    as_of: AsOf = None,
    node_cap: NodeCap = DEFAULT_NODE_CAP,
    download: Download = False,
) -> HTMLResponse:
    return _html(_neighbourhood(store, key, depth, kinds, theme, as_of, node_cap, language), download)


@router.get("/neighbourhood.json", summary="The neighbourhood map as data (styled nodes, edges, layout, details)")
def neighbourhood_data(
    store: StoreDep,
    _: Reader,
    language: Language,
    key: Keys,
    depth: Depth = 1,
    kinds: Kinds = None,
    theme: Themes = None,
    as_of: AsOf = None,
    node_cap: NodeCap = DEFAULT_NODE_CAP,
) -> JSONResponse:
    return _json(_neighbourhood(store, key, depth, kinds, theme, as_of, node_cap, language))


def _themes(
    store: GraphStore,
    theme: list[str] | None,
    mode: Literal["all", "any"],
    kinds: list[str] | None,
    as_of: dt.date | None,
    node_cap: int,
    language: str = "en",
) -> MapData:
    with _answers():
        check_kinds(store.schema, kinds)  # an unknown kind is refused on the overview too, as the schema says
        if not theme:
            return overview_map(store, node_cap=node_cap, language=language)
        return themes_map(store, theme, mode=mode, kinds=kinds, as_of=as_of, node_cap=node_cap, language=language)


Mode = Annotated[Literal["all", "any"], Query(description="Partners of all the themes, or of any of them.")]


@router.get(
    "/themes",
    response_class=HTMLResponse,
    summary="Map of the partners working on themes (sub-themes included); without a theme, the theme overview",
)
def themes_page(
    store: StoreDep,
    _: Reader,
    language: Language,
    theme: Themes = None,
    mode: Mode = "any",
    kinds: Kinds = None,
    as_of: AsOf = None,
    node_cap: NodeCap = DEFAULT_NODE_CAP,
    download: Download = False,
) -> HTMLResponse:
    return _html(_themes(store, theme, mode, kinds, as_of, node_cap, language), download)


@router.get("/themes.json", summary="The themes map (or the theme overview) as data")
def themes_data(
    store: StoreDep,
    _: Reader,
    language: Language,
    theme: Themes = None,
    mode: Mode = "any",
    kinds: Kinds = None,
    as_of: AsOf = None,
    node_cap: NodeCap = DEFAULT_NODE_CAP,
) -> JSONResponse:
    return _json(_themes(store, theme, mode, kinds, as_of, node_cap, language))


MaxHops = Annotated[int, Query(ge=1, le=MAX_HOPS, description="Longest path considered, in relations.")]
Limit = Annotated[int, Query(ge=1, le=20, description="At most this many shortest paths.")]


def _paths(
    store: GraphStore, start: str, end: str, max_hops: int, limit: int, as_of: dt.date | None, language: str = "en"
) -> MapData:
    with _answers():
        return paths_map(store, start, end, max_hops=max_hops, limit=limit, as_of=as_of, language=language)


@router.get("/paths", response_class=HTMLResponse, summary="Map of the shortest paths between two entities")
def paths_page(
    store: StoreDep,
    _: Reader,
    language: Language,
    start: Key,
    end: Key,
    max_hops: MaxHops = 4,
    limit: Limit = 5,
    as_of: AsOf = None,
    download: Download = False,
) -> HTMLResponse:
    return _html(_paths(store, start, end, max_hops, limit, as_of, language), download)


@router.get("/paths.json", summary="The paths map as data")
def paths_data(
    store: StoreDep,
    _: Reader,
    language: Language,
    start: Key,
    end: Key,
    max_hops: MaxHops = 4,
    limit: Limit = 5,
    as_of: AsOf = None,
) -> JSONResponse:
    return _json(_paths(store, start, end, max_hops, limit, as_of, language))
