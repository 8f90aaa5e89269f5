"""The questions, over HTTP: each route validates its parameters and calls one function of
`questions/`. Lists are paged (`limit` <= 200, `offset`); personal contact fields are shown only to
the contacts role and above, and each such read is audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from api.deps import MAX_LIMIT, AuditDep, IsoDate, Page, PageDep, Reader, StoreDep
from graph.schema import load_schema
from questions.brokers import BrokersAnswer, brokers
from questions.common import EntityRef, check_kinds, check_types
from questions.contacts import ContactsAnswer, contacts
from questions.entity import Entity, entity
from questions.governance import GovernanceAnswer, governance
from questions.neighbourhood import DEFAULT_NODE_CAP, MAX_DEPTH, NeighbourhoodAnswer, neighbourhood
from questions.partners import PartnersAnswer, partners_by_themes
from questions.paths import MAX_HOPS, PathsAnswer, paths
from questions.paths import MAX_LIMIT as PATHS_MAX
from questions.resolve import resolve
from questions.search import MAX_LIMIT as SEARCH_MAX
from questions.search import SearchResponse, search
from questions.themes import ThemeOverview, list_themes, theme_overview
from viz.xlsx import MEDIA_TYPE as XLSX
from viz.xlsx import answer_workbook

router = APIRouter()
_SCHEMA = load_schema()  # for the OpenAPI enums; the store's schema is checked per request
MAX_KEYS = 50

# Questions take a key, a name or an alias, in Finnish, Swedish or English (questions.resolve):
# an unknown one is a 404 problem and an ambiguous one a 409, both with `suggestions`. Writes
# (routes/writes.py) take keys only.
NAME_MAX = 200
KeyItem = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX)]
Key = Annotated[
    str, Query(min_length=1, max_length=NAME_MAX, description="An entity's key, name or alias (fi, sv, en).")
]
AsOf = Annotated[IsoDate | None, Query(description="Only relations valid on this day (YYYY-MM-DD).")]
KindsQuery = Annotated[
    list[str] | None,
    Query(
        alias="kind",
        max_length=len(_SCHEMA.node_kinds),
        description="Node kinds to keep (repeatable).",
        json_schema_extra={"items": {"type": "string", "enum": list(_SCHEMA.node_kinds)}},
    ),
]
T = TypeVar("T", bound=BaseModel)
Format = Annotated[
    Literal["json", "xlsx"],
    Query(alias="format", description="`xlsx`: the whole answer (not a page of it) as an Excel workbook."),
]
# How the xlsx answers appear in OpenAPI, beside the JSON of response_model.
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}


def workbook_response(answer: BaseModel, name: str, *, include_personal: bool = False) -> Response:
    """An answer as an .xlsx download; personal fields only when the caller's role may see them."""
    content = answer_workbook(answer, load_schema(), include_personal=include_personal)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


class Paged(BaseModel):
    total: int = Field(description="How many items there are in all.")
    limit: int
    offset: int


class PartnersPage(PartnersAnswer, Paged):
    pass


class ContactsPage(ContactsAnswer, Paged):
    pass


class ThemesPage(ThemeOverview, Paged):
    pass


def _paged(answer: BaseModel, field: str, page: Page, model: type[T]) -> T:
    items: list[Any] = getattr(answer, field)
    data = dict(answer)
    data.update(
        {
            field: items[page.offset : page.offset + page.limit],
            "total": len(items),
            "limit": page.limit,
            "offset": page.offset,
        }
    )
    return model.model_validate(data)


class SearchPage(SearchResponse, Paged):
    pass


@router.get(
    "/search",
    tags=["search"],
    summary="Entities by name or alias, Finnish or English, typos forgiven",
    response_model=SearchPage,
    responses=XLSX_RESPONSE,
)
def get_search(
    store: StoreDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words of a name or alias.")],
    kinds: KindsQuery = None,
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX, description=f"At most {SEARCH_MAX} results.")] = 20,
    offset: Annotated[int, Query(ge=0, lt=SEARCH_MAX)] = 0,
    fmt: Format = "json",
) -> SearchPage | Response:
    """Ranked best first; `total` counts the results up to the search's own cap of 100."""
    wanted = list(check_kinds(store.schema, kinds)) or None
    answer = search(store, q, wanted, limit=SEARCH_MAX)  # in memory: the whole ranking is cheap
    if fmt == "xlsx":
        return workbook_response(answer, "search")
    return _paged(answer, "results", Page(limit=limit, offset=offset), SearchPage)


@router.get(
    "/entities/{key}",
    tags=["entities"],
    summary="An entity, its relations by type and their sources",
    response_model=Entity,
    responses=XLSX_RESPONSE,
)
def get_entity(
    key: Annotated[
        str, Path(min_length=1, max_length=NAME_MAX, description="The entity's key, name or alias (fi, sv, en).")
    ],
    response: Response,
    store: StoreDep,
    _: Reader,
    as_of: AsOf = None,
    fmt: Format = "json",
) -> Entity | Response:
    # The version is read before the answer: a write in between can only make the ETag stale (a
    # spurious 412 later), never let a change based on this answer overwrite a newer one.
    resolution = resolve(store, key)  # the ETag below is the resolved entity's
    key = resolution.entity.key
    version = store.versions([key]).get(key) if fmt == "json" else None
    answer = entity(store, key, as_of=as_of)
    answer.resolved = resolution  # what was asked, not the key it resolved to
    if fmt == "xlsx":
        return workbook_response(answer, f"entity-{key}")
    if version is not None:  # what If-Match on PATCH/DELETE /entities/{key} names
        response.headers["ETag"] = f'"{version}"'
    return answer


@router.get(
    "/contacts",
    tags=["contacts"],
    summary="Who our contacts are for an entity or a theme",
    response_model=ContactsPage,
    responses=XLSX_RESPONSE,
)
def get_contacts(
    key: Key, store: StoreDep, audit: AuditDep, page: PageDep, who: Reader, as_of: AsOf = None, fmt: Format = "json"
) -> ContactsPage | Response:
    """Email and phone only for the contacts role and above; each such read is audited."""
    answer = contacts(store, key, include_personal=who.sees_contacts, as_of=as_of)
    result = _paged(answer, "contacts", page, ContactsPage)
    shown_in = answer.contacts if fmt == "xlsx" else result.contacts  # a workbook holds the whole answer
    shown = sorted({c.person.key for c in shown_in if c.email is not None or c.phone is not None})
    audit.contacts_read(who.name, who.role.name, answer.key, shown)
    if fmt == "xlsx":
        return workbook_response(answer, f"contacts-{answer.key}", include_personal=who.sees_contacts)
    return result


@router.get(
    "/partners",
    tags=["themes"],
    summary="Partners working on all (or any) of the given themes",
    response_model=PartnersPage,
    responses=XLSX_RESPONSE,
)
def get_partners(
    store: StoreDep,
    page: PageDep,
    _: Reader,
    theme: Annotated[
        list[KeyItem],
        Query(min_length=1, max_length=MAX_KEYS, description="Theme keys, names or aliases (repeatable)."),
    ],
    mode: Literal["all", "any"] = "all",
    kinds: KindsQuery = None,
    include_home: Annotated[
        bool, Query(description="Also the home city and its own units (left out by default).")
    ] = False,
    include_non_actors: Annotated[
        bool, Query(description="Also what is no actor: laws, strategies, programmes (left out by default).")
    ] = False,
    as_of: AsOf = None,
    fmt: Format = "json",
) -> PartnersPage | Response:
    """Each partner with why it matched: the theme asked for, the (sub-)theme linked, the relation.
    Partners are actors (cities, organisations, networks), never the home city or one of its units;
    `left_out` counts what matched but was left out."""
    answer = partners_by_themes(
        store,
        theme,
        mode=mode,
        kinds=list(check_kinds(store.schema, kinds)) or None,
        as_of=as_of,
        include_home=include_home,
        include_non_actors=include_non_actors,
    )
    if fmt == "xlsx":
        return workbook_response(answer, "partners")
    return _paged(answer, "partners", page, PartnersPage)


@router.get(
    "/paths",
    tags=["network"],
    summary="The shortest connections between two entities",
    response_model=PathsAnswer,
    responses=XLSX_RESPONSE,
)
def get_paths(
    start: Key,
    end: Key,
    store: StoreDep,
    _: Reader,
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 4,
    avoid_kind: Annotated[
        list[str] | None,
        Query(
            max_length=20,
            description="Kinds not to pass through.",
            json_schema_extra={"items": {"type": "string", "enum": list(_SCHEMA.node_kinds)}},
        ),
    ] = None,
    avoid_type: Annotated[
        list[str] | None,
        Query(
            max_length=20,
            description="Relation types not to use.",
            json_schema_extra={"items": {"type": "string", "enum": list(_SCHEMA.relation_types)}},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=PATHS_MAX, description="At most this many paths.")] = 5,
    as_of: AsOf = None,
    fmt: Format = "json",
) -> PathsAnswer | Response:
    kinds = check_kinds(store.schema, avoid_kind)
    types = check_types(store.schema, avoid_type)
    answer = paths(
        store,
        start,
        end,
        max_hops=max_hops,
        avoid_kinds=tuple(kinds),
        avoid_types=tuple(types),
        limit=limit,
        as_of=as_of,
    )
    return workbook_response(answer, "paths") if fmt == "xlsx" else answer


@router.get(
    "/neighbourhood",
    tags=["network"],
    summary="The subgraph around entities, to a depth",
    response_model=NeighbourhoodAnswer,
    responses=XLSX_RESPONSE,
)
def get_neighbourhood(
    store: StoreDep,
    _: Reader,
    key: Annotated[
        list[KeyItem],
        Query(min_length=1, max_length=MAX_KEYS, description="Seed keys, names or aliases (repeatable)."),
    ],
    depth: Annotated[int, Query(ge=0, le=MAX_DEPTH)] = 1,
    kinds: KindsQuery = None,
    theme: Annotated[
        list[KeyItem] | None,
        Query(max_length=MAX_KEYS, description="Keep what touches these themes (keys, names or aliases)."),
    ] = None,
    max_nodes: Annotated[int, Query(ge=1, le=DEFAULT_NODE_CAP)] = DEFAULT_NODE_CAP,
    as_of: AsOf = None,
    fmt: Format = "json",
) -> NeighbourhoodAnswer | Response:
    answer = neighbourhood(
        store,
        key,
        depth=depth,
        kinds=list(check_kinds(store.schema, kinds)) or None,
        themes=theme,
        as_of=as_of,
        node_cap=max_nodes,
    ).answer
    return workbook_response(answer, "neighbourhood") if fmt == "xlsx" else answer


@router.get(
    "/governance",
    tags=["governance"],
    summary="Memberships without owner; themes and partners unlinked",
    response_model=GovernanceAnswer,
    responses=XLSX_RESPONSE,
)
def get_governance(
    store: StoreDep,
    _: Reader,
    home: Annotated[
        str, Query(min_length=1, max_length=NAME_MAX, description="The home city: key, name or alias.")
    ] = "helsinki",
    as_of: AsOf = None,
    fmt: Format = "json",
) -> GovernanceAnswer | Response:
    answer = governance(store, home=home, as_of=as_of)
    return workbook_response(answer, "governance") if fmt == "xlsx" else answer


@router.get(
    "/brokers",
    tags=["network"],
    summary="The most central entities, overall or around a theme",
    response_model=BrokersAnswer,
    responses=XLSX_RESPONSE,
)
def get_brokers(
    store: StoreDep,
    _: Reader,
    theme: Annotated[
        str | None, Query(min_length=1, max_length=NAME_MAX, description="A theme's key, name or alias.")
    ] = None,
    top: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    measure: Literal["betweenness", "degree"] = "betweenness",
    as_of: AsOf = None,
    fmt: Format = "json",
) -> BrokersAnswer | Response:
    answer = brokers(store, theme=theme, top=top, measure=measure, as_of=as_of)
    return workbook_response(answer, "brokers") if fmt == "xlsx" else answer


@router.get(
    "/themes",
    tags=["themes"],
    summary="The priority themes, their parents and how many link to each",
    response_model=ThemesPage,
    responses=XLSX_RESPONSE,
)
def get_themes(
    store: StoreDep, page: PageDep, _: Reader, as_of: AsOf = None, fmt: Format = "json"
) -> ThemesPage | Response:
    answer = theme_overview(store, as_of=as_of)
    return workbook_response(answer, "themes") if fmt == "xlsx" else _paged(answer, "themes", page, ThemesPage)


class ThemeList(Paged):
    themes: list[EntityRef]


@router.get(
    "/themes/list", tags=["themes"], summary="Every theme's key and names, for pickers", response_model=ThemeList
)
def get_theme_list(store: StoreDep, page: PageDep, _: Reader) -> ThemeList:
    items = list_themes(store)
    return ThemeList(
        themes=items[page.offset : page.offset + page.limit], total=len(items), limit=page.limit, offset=page.offset
    )
