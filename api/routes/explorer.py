"""The explorer page at `/`, its static files, who-am-I for the page, and export of the current view.

The page and its scripts are public: they hold no graph data. Everything the page shows comes from
reader routes (maps JSON, search) called with the user's API key, or anonymously on loopback, so a
key pasted into the page works anywhere.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field

from api.deps import Reader, StoreDep
from api.language import LangQuery, request_language
from api.problems import ProblemError
from api.security import public
from graph.model import KEY_PATTERN
from graph.schema import load_schema
from i18n import COOKIE, LANGUAGE_NAMES, LANGUAGES, messages, translator
from viz import export as exporters
from viz.labels import labels
from viz.layout import layout_of
from viz.maps import (
    STATIC_DIR as VIZ_STATIC,
)
from viz.maps import (
    TEMPLATES_DIR as VIZ_TEMPLATES,
)
from viz.maps import (
    MapOptions,
    build_map,
    render_map,
    script_json,
)
from viz.style import default_style
from viz.xlsx import MEDIA_TYPE as XLSX
from viz.xlsx import graph_workbook, template

router = APIRouter(tags=["explorer"])

API_DIR = Path(__file__).resolve().parents[1]
FILE_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
# Files served as they are (the explorer's, the docs pages'): cached for an hour, never sniffed.
FILE_HEADERS = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}


def served_files(*paths: Path) -> dict[str, tuple[Path, str]]:
    """File name -> (path, media type, by the file's suffix) for the files a route serves."""
    return {path.name: (path, FILE_MEDIA_TYPES[path.suffix]) for path in paths}


def served_file(files: dict[str, tuple[Path, str]], name: str, what: str) -> tuple[Path, str]:
    """The (path, media type) of one served file; a 404 problem for a name not in `files`."""
    entry = files.get(name)
    if entry is None:
        raise ProblemError(404, f"no {what} {name!r}", slug="not-found")
    return entry


STATIC_FILES = served_files(
    VIZ_STATIC / "vis-network.min.js",
    VIZ_STATIC / "vis-network.css",
    VIZ_STATIC / "map.js",
    VIZ_STATIC / "map.css",
    API_DIR / "static" / "explorer.js",
    API_DIR / "static" / "explorer.css",
)
STATIC_URL = "/static"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MAX_EXPORT_KEYS = 5_000
MAX_LAYOUT_PAIRS = 50_000
# The JSON routes the page calls; search, entity and contacts belong to the API's question routes.
ROUTES = {
    "session": "/explorer/session",
    "export": "/explorer/export",
    "layout": "/explorer/layout",
    "partners": "/partners",
    "themeList": "/themes",
    "overview": "/maps/themes.json",
    "themes": "/maps/themes.json",
    "neighbourhood": "/maps/neighbourhood.json",
    "paths": "/maps/paths.json",
    "search": "/search",
    "contacts": "/contacts",
    "entity": "/entities/",
}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(API_DIR / "templates")), FileSystemLoader(str(VIZ_TEMPLATES))]),
        autoescape=select_autoescape(enabled_extensions=("html", "j2", "html.j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["script_json"] = script_json
    return env


def page_config(
    key: str | None, depth: int, home: str = "helsinki", home_kinds: list[str] | None = None
) -> dict[str, Any]:
    """What explorer.js needs: its routes, the kinds and relation types, and where to start (the
    `key` asked for, else the home entity with only `home_kinds` ticked)."""
    schema = load_schema()
    kinds = list(schema.node_kinds)
    return {
        "routes": ROUTES,
        "kinds": kinds,
        "relationTypes": list(schema.relation_types),
        "themeKind": schema.kind_with_role("theme"),
        "initial": {"key": key, "depth": depth} if key else {},
        "home": {"key": home, "kinds": [k for k in (home_kinds or kinds) if k in schema.node_kinds] or kinds},
    }


@router.get(
    "/",
    response_class=HTMLResponse,
    summary="The explorer: search, filter and expand the graph on an interactive map",
    dependencies=[Depends(public())],
)
def explorer(
    request: Request,
    key: Annotated[
        str | None, Query(pattern=KEY_PATTERN, description="Start from this entity's neighbourhood.")
    ] = None,
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    lang: LangQuery = None,
) -> HTMLResponse:
    """In the language of `?lang=` (then remembered in a cookie), else the remembered one, else
    the browser's; the page's scripts get the same catalogue as JSON (#pg-messages)."""
    style = default_style()
    settings = request.app.state.settings
    language = request_language(request, lang)
    names = labels(language, style)
    html = (
        _environment()
        .get_template("explorer.html.j2")
        .render(
            config=page_config(key, depth, settings.explorer_home, settings.explorer_home_kinds),
            kinds=[{"name": k, "colour": s.colour, "label": names["kindLabels"][k]} for k, s in style.kinds.items()],
            relation_types=[
                {"name": r, "colour": s.colour, "label": names["relationLabels"][r]} for r, s in style.relations.items()
            ],
            static_url=STATIC_URL,
            lang=language,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            messages=messages(language),
            _=translator(language),
        )
    )
    response = HTMLResponse(
        html, headers={**SECURITY_HEADERS, "Content-Language": language, "Vary": "Accept-Language, Cookie"}
    )
    if lang is not None:  # an explicit choice is remembered, as the page's own switch does
        response.set_cookie(COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


@router.get(
    "/static/{name}",
    summary="The explorer's scripts and stylesheets (vis-network 9.1.2 included)",
    dependencies=[Depends(public())],
    include_in_schema=False,
)
def static(name: str) -> FileResponse:
    path, media_type = served_file(STATIC_FILES, name, "static file")
    return FileResponse(path, media_type=media_type, headers=FILE_HEADERS)


@router.get(
    "/template.xlsx",
    summary="The spreadsheet template: a sheet per kind, drop-downs from the schema, an example row",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_template(store: StoreDep, _: Reader) -> Response:
    return Response(
        template(store.schema),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="partners.xlsx"'},
    )


class Session(BaseModel):
    name: str
    role: str
    anonymous: bool
    sees_contacts: bool


@router.get("/explorer/session", summary="Who the explorer is talking as (role of the key, or anonymous)")
def session(who: Reader) -> Session:
    return Session(name=who.name, role=who.role.name, anonymous=who.anonymous, sees_contacts=who.sees_contacts)


class ExportRequest(BaseModel):
    keys: list[Annotated[str, Field(pattern=KEY_PATTERN)]] = Field(max_length=MAX_EXPORT_KEYS)
    format: Literal["graphml", "gexf", "json", "html", "xlsx"] = "graphml"
    title: Annotated[str, Field(max_length=200)] = "partnergraph map"


MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "xlsx": XLSX,
}


@router.post(
    "/explorer/export",
    summary="The current view (its node keys and the relations among them) as GraphML, GEXF, JSON, .xlsx or a map",
    response_class=Response,
)
def export_view(body: ExportRequest, store: StoreDep, _: Reader) -> Response:
    graph = store.snapshot(body.keys)
    if body.format == "html":
        data = build_map(graph, title=body.title, options=MapOptions(node_cap=MAX_EXPORT_KEYS))
        content: bytes = render_map(data, standalone=True).encode("utf-8")
    elif body.format == "xlsx":
        content = graph_workbook(graph, store.schema)  # snapshots hold no contact fields
    else:
        content = exporters.export(graph, body.format)
    return Response(
        content,
        media_type=MEDIA_TYPES[body.format],
        headers={"Content-Disposition": f'attachment; filename="partnergraph-map.{body.format}"'},
    )


# What the explorer draws: entity keys, and the ids of its groups (`group:City`, `group:theme:…`).
# Layout is geometry only (no database read), so these need not be entity keys.
LayoutKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")]


class LayoutRequest(BaseModel):
    keys: list[LayoutKey] = Field(max_length=MAX_EXPORT_KEYS)
    pairs: list[Annotated[list[LayoutKey], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list, max_length=MAX_LAYOUT_PAIRS, description="Relations as [start, end] keys."
    )


class LayoutAnswer(BaseModel):
    positions: dict[str, list[float]] = Field(description="Each key's [x, y] in pixels.")


@router.post(
    "/explorer/layout",
    summary="Lay out the nodes the explorer shows (after a filter), with the maps' own layout",
)
def layout(body: LayoutRequest, _: Reader) -> LayoutAnswer:
    placed = layout_of(body.keys, [(a, b) for a, b in body.pairs])
    return LayoutAnswer(positions={k: [x, y] for k, (x, y) in placed.items()})
