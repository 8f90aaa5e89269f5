"""The question catalogue: every question the graph answers, declared once.

Each entry names the question, says what it answers (summary and help), declares its parameters
as a pydantic model (their bounds and descriptions are the only validation the interfaces add),
its answer model, the role that may ask it, and how its answer is paged, audited or mapped. The API's
routes (`api/routes/ask.py`), the `partnergraph ask` commands, the OpenAPI document and the README's
question table are all built from `QUESTIONS`, like datasette's built-ins registered through the
hooks plugins use. Adding a question is one module in `questions/` and one entry here.

Semantic checks that need the store (a kind the schema lacks, an unknown name) stay in the question
functions themselves, which every caller goes through.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, create_model

from graph.schema import Schema, load_schema
from graph.store import GraphStore
from i18n import N_
from questions.brokers import MAX_TOP, BrokersAnswer, brokers
from questions.catalogue import KindInfo, RelationTypeInfo, list_kinds, list_relation_types
from questions.common import EntityRef, Raw
from questions.contacts import ContactsAnswer, contacts
from questions.entity import Entity, entity
from questions.governance import GovernanceAnswer, governance_raw
from questions.neighbourhood import DEFAULT_NODE_CAP, MAX_DEPTH, NeighbourhoodAnswer, neighbourhood
from questions.partners import PartnerQuery, PartnersAnswer, partners_by_themes, partners_page
from questions.paths import MAX_HOPS, PathsAnswer, paths
from questions.paths import MAX_LIMIT as PATHS_MAX
from questions.resolve import MAX_TEXT
from questions.search import MAX_LIMIT as SEARCH_MAX
from questions.search import SearchResponse, search
from questions.themes import ThemeOverview, list_themes, theme_overview

P = TypeVar("P", bound=BaseModel)
A = TypeVar("A", bound=BaseModel)
_SCHEMA = load_schema()  # for the documented enums; the store's own schema is checked per question
MAX_KEYS = 50
MAX_AVOID = 20
HOME_KEY = "helsinki"  # the policy document's city: governance's default home


def _iso_date(value: Any) -> Any:
    # The schema says format: date; pydantic alone would also take 0 (as 1970-01-01).
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("not a date (YYYY-MM-DD)")
    if not isinstance(value, str | dt.date | None):
        raise ValueError("not a date (YYYY-MM-DD)")
    return value


# A day as YYYY-MM-DD, and nothing else that pydantic would read as a date.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
KIND_ENUM: dict[str, Any] = {"items": {"type": "string", "enum": list(_SCHEMA.node_kinds)}}
TYPE_ENUM: dict[str, Any] = {"items": {"type": "string", "enum": list(_SCHEMA.relation_types)}}
AS_OF = N_("Only relations valid on this day (YYYY-MM-DD).")
AS_OF_HELP = N_("Only relations valid on this day (yyyy-mm-dd).")  # the command line's


def _as_of() -> Any:
    return Field(None, description=AS_OF)


def _kinds(description: str = N_("Node kinds to keep (repeatable).")) -> Any:
    return Field(
        None, alias="kind", max_length=len(_SCHEMA.node_kinds), description=description, json_schema_extra=KIND_ENUM
    )


# -- parameters ---------------------------------------------------------------------------------


class SearchParams(BaseModel):
    q: Name = Field(description=N_("Words of a name or alias."))
    kinds: list[str] | None = _kinds()


class EntityParams(BaseModel):
    key: Name = Field(description=N_("The entity's key, name or alias (fi, sv, en)."))
    as_of: IsoDate | None = _as_of()


class ContactsParams(BaseModel):
    key: Name = Field(description=N_("An entity's key, name or alias (fi, sv, en)."))
    as_of: IsoDate | None = _as_of()


class PartnersParams(BaseModel):
    theme: list[Name] = Field(
        min_length=1, max_length=MAX_KEYS, description=N_("Theme keys, names or aliases (repeatable).")
    )
    mode: Literal["all", "any"] = Field("all", description=N_("Partners of all the themes, or of any of them."))
    kinds: list[str] | None = _kinds()
    include_home: bool = Field(False, description=N_("Also the home city and its own units (left out by default)."))
    include_non_actors: bool = Field(
        False, description=N_("Also what is no actor: laws, strategies, programmes (left out by default).")
    )
    as_of: IsoDate | None = _as_of()


class PathsParams(BaseModel):
    start: Name = Field(description=N_("An entity's key, name or alias (fi, sv, en)."))
    end: Name = Field(description=N_("An entity's key, name or alias (fi, sv, en)."))
    max_hops: int = Field(4, ge=1, le=MAX_HOPS, description=N_("Longest path considered, in relations."))
    avoid_kind: list[str] | None = Field(
        None, max_length=MAX_AVOID, description=N_("Kinds not to pass through."), json_schema_extra=KIND_ENUM
    )
    avoid_type: list[str] | None = Field(
        None, max_length=MAX_AVOID, description=N_("Relation types not to use."), json_schema_extra=TYPE_ENUM
    )
    limit: int = Field(5, ge=1, le=PATHS_MAX, description=N_("At most this many paths."))
    as_of: IsoDate | None = _as_of()


class NeighbourhoodScope(BaseModel):
    """What a neighbourhood is around: its question's and its map's parameters."""

    key: list[Name] = Field(
        min_length=1, max_length=MAX_KEYS, description=N_("Seed keys, names or aliases (repeatable).")
    )
    depth: int = Field(1, ge=0, le=MAX_DEPTH, description=N_("How many relations away from the seeds."))
    kinds: list[str] | None = _kinds()
    theme: list[Name] | None = Field(
        None, max_length=MAX_KEYS, description=N_("Keep what touches these themes (keys, names or aliases).")
    )
    as_of: IsoDate | None = _as_of()


class NeighbourhoodParams(NeighbourhoodScope):
    max_nodes: int = Field(
        DEFAULT_NODE_CAP, ge=1, le=DEFAULT_NODE_CAP, description=N_("At most this many entities in the answer.")
    )


class GovernanceParams(BaseModel):
    home: Name = Field(HOME_KEY, description=N_("The home city: key, name or alias."))
    as_of: IsoDate | None = _as_of()


class BrokersParams(BaseModel):
    theme: Name | None = Field(None, description=N_("A theme's key, name or alias."))
    top: int = Field(10, ge=1, le=MAX_TOP, description=N_("How many of the most central entities."))
    measure: Literal["betweenness", "degree"] = Field("betweenness", description=N_("betweenness or degree."))
    as_of: IsoDate | None = _as_of()


class ThemesParams(BaseModel):
    as_of: IsoDate | None = _as_of()


class NoParams(BaseModel):
    pass


class ThemeList(BaseModel):
    themes: list[EntityRef]


class SchemaAnswer(BaseModel):
    version: int
    kinds: list[KindInfo]
    relation_types: list[RelationTypeInfo]


# -- the catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    """The answer's list that the API (and `--limit`/`--offset` on the command line) pages."""

    field: str
    default_limit: int = 50
    max_limit: int = 200
    max_offset: int = 100_000
    cli_limit: int | None = None  # the command line's default: the whole answer, unless a search


class Paged(BaseModel):
    total: int = Field(description="How many items there are in all.")
    limit: int
    offset: int


@dataclass(frozen=True)
class CliParam:
    """How a parameter appears on the command line, where it differs from `--field-name`."""

    argument: bool = False  # positional, named `name` in the usage line
    name: str | None = None  # the argument's or option's name (default: the field's name)
    help: str | None = None  # an N_() message of the catalogues (default: the field's description)
    flag_for: str | None = None  # a boolean flag that sets the field to this value (`--any` for mode=any)
    max_items: int | None = None  # a looser upper bound for the command line's owner (node caps)


@dataclass(frozen=True)
class Question(Generic[P, A]):
    name: str  # GET /<name> (or `path`), `partnergraph ask <name>`
    summary: str  # the OpenAPI summary and the README row
    help: str  # the command's help: an N_() message of the catalogues
    tag: str
    params: type[P]
    answer: type[A]
    # (store, parameters, may the caller see personal fields): the answer, or its plain data (a large one)
    run: Callable[[GraphStore, P, bool], A | Raw[A]]
    path: str = ""  # default /<name>
    description: str = ""  # longer OpenAPI text
    paged: Paging | None = None
    # The page's items only (in the answer's order) and how many there are in all: answers whose
    # items are costly to build rank them first and build only the page.
    run_page: Callable[[GraphStore, P, bool, slice], tuple[A | Raw[A], int]] | None = None
    # Answers hold contact fields, shown only to the roles allowed: what each read shows is audited
    # as (the entity asked about, the people whose email or phone it showed).
    audit: Callable[[A], tuple[str, list[str]]] | None = None
    xlsx: bool = True  # `format=xlsx` / `--xlsx FILE`: the whole answer as a workbook
    from_schema: Callable[[Schema], A] | None = None  # answered from the schema alone: no database
    # The version an answer's If-Match names, read with it (sent as ETag for a whole, unaudited answer).
    etag: Callable[[A], str | None] | None = None
    cli: Mapping[str, CliParam] = field(default_factory=dict)
    rate_group: str | None = None  # the rate-limit group of costly graph walks (api/limits.py)
    map: str | None = None  # the map view drawing its answer (viz/views.py: /maps/<map>, `partnergraph map <map>`)
    readme: str = ""  # the README row's example or detail
    # Answered from the projection (questions/projection.py) once it is up to date: the API brings
    # it up to date off its event loop, then answers on the loop (a thread hop less a request). Not
    # for whole-graph measures (brokers): their first build after a write would hold the loop.
    from_projection: bool = False

    @property
    def personal(self) -> bool:
        return self.audit is not None

    @property
    def route(self) -> str:
        return self.path or f"/{self.name}"

    def ask(self, store: GraphStore, params: P, *, include_personal: bool = False) -> A:
        found = self.run(store, params, include_personal)
        return found.validate() if isinstance(found, Raw) else found

    def ask_json(self, store: GraphStore, params: P, *, include_personal: bool = False) -> bytes:
        """The answer's JSON, as `ask(...).model_dump_json(by_alias=True)` gives it."""
        found = self.run(store, params, include_personal)
        return found.json() if isinstance(found, Raw) else found.model_dump_json(by_alias=True).encode()

    def page_model(self) -> type[BaseModel]:
        """`PartnersPage`: the answer model with `total`, `limit` and `offset`."""
        if self.name not in _PAGE_MODELS:
            name = "".join(part.capitalize() for part in self.name.split("-")) + "Page"
            _PAGE_MODELS[self.name] = create_model(name, __base__=(self.answer, Paged))
        return _PAGE_MODELS[self.name]

    def page(self, answer: A, limit: int, offset: int) -> BaseModel:
        """One page of the answer's list, with the total."""
        if self.paged is None:
            raise ValueError(f"{self.name} answers are not paged")
        items: list[Any] = getattr(answer, self.paged.field)
        return self._page_of(answer, items[offset : offset + limit], len(items), limit, offset)

    def ask_page(self, store: GraphStore, params: P, limit: int, offset: int, *, include_personal: bool) -> BaseModel:
        """`page(ask(...), limit, offset)`, building only the page's items where the question can."""
        found = self._page_answer(store, params, limit, offset, include_personal)
        return found.validate() if isinstance(found, Raw) else found

    def ask_page_json(self, store: GraphStore, params: P, limit: int, offset: int, *, include_personal: bool) -> bytes:
        """The page's JSON, as `ask_page(...).model_dump_json(by_alias=True)` gives it."""
        found = self._page_answer(store, params, limit, offset, include_personal)
        return found.json() if isinstance(found, Raw) else found.model_dump_json(by_alias=True).encode()

    def _page_answer(
        self, store: GraphStore, params: P, limit: int, offset: int, include_personal: bool
    ) -> BaseModel | Raw[Any]:
        """The page, or its plain data where the question builds its page so."""
        if self.run_page is None or self.paged is None:
            return self.page(self.ask(store, params, include_personal=include_personal), limit, offset)
        answer, total = self.run_page(store, params, include_personal, slice(offset, offset + limit))
        if not isinstance(answer, Raw):
            return self._page_of(answer, getattr(answer, self.paged.field), total, limit, offset)
        data = {**answer.data, "total": total, "limit": limit, "offset": offset}
        model = self.page_model()
        return Raw(model, {name: data[name] for name in model.model_fields})

    def _page_of(self, answer: A, items: list[Any], total: int, limit: int, offset: int) -> BaseModel:
        assert self.paged is not None
        data = {**dict(answer), self.paged.field: items, "total": total, "limit": limit, "offset": offset}
        return self.page_model().model_validate(data)


_PAGE_MODELS: dict[str, type[BaseModel]] = {}


def _entity_version(answer: Entity) -> str | None:
    return answer.version


def _contacts_shown(answer: ContactsAnswer) -> tuple[str, list[str]]:
    return answer.key, sorted({c.person.key for c in answer.contacts if c.email is not None or c.phone is not None})


def _schema_answer(schema: Schema) -> SchemaAnswer:
    return SchemaAnswer(version=schema.version, kinds=list_kinds(schema), relation_types=list_relation_types(schema))


def _kinds_of(values: list[str] | None) -> list[str] | None:
    return list(values) if values else None


def _partner_options(p: PartnersParams) -> PartnerQuery:
    return PartnerQuery(
        mode=p.mode,
        kinds=_kinds_of(p.kinds),
        as_of=p.as_of,
        include_home=p.include_home,
        include_non_actors=p.include_non_actors,
    )


QUESTIONS: tuple[Question[Any, Any], ...] = (
    Question(
        name="search",
        summary="Entities by name or alias, Finnish or English, typos forgiven",
        help=N_('Find entities by name: "Tallinnan", "tallina", "Pekingin" all work.'),
        description="Ranked best first; `total` counts the results up to the search's own cap of 100.",
        tag="search",
        params=SearchParams,
        answer=SearchResponse,
        run=lambda store, p, _: search(store, p.q, _kinds_of(p.kinds), limit=SEARCH_MAX),
        paged=Paging("results", default_limit=20, max_limit=SEARCH_MAX, max_offset=SEARCH_MAX - 1, cli_limit=20),
        cli={
            "q": CliParam(argument=True, name="text", help=N_("Name or alias, in Finnish or English; typos are fine.")),
            "kinds": CliParam(name="kind", help=N_("Keep only these node kinds (repeatable).")),
        },
        readme="`?q=tallinnan&kind=City`: ranked matches.",
    ),
    Question(
        name="entity",
        path="/entities/{key}",
        summary="An entity, its relations by type and their sources",
        help=N_("An entity: its properties, its relations by type, and the quotes they rest on."),
        tag="entities",
        params=EntityParams,
        answer=Entity,
        run=lambda store, p, _: entity(store, p.key, as_of=p.as_of),
        etag=_entity_version,
        cli={"key": CliParam(argument=True)},
        readme="By key, name or alias; provenance quotes; an `ETag` for editing.",
    ),
    Question(
        name="partners",
        from_projection=True,
        summary="Partners working on all (or any) of the given themes",
        help=N_(
            "Who works on all (or --any) of the themes, sub-themes included, and why. Partners are actors "
            "(cities, organisations, networks), never the home city or its own units, unless asked."
        ),
        description=(
            "Each partner with why it matched: the theme asked for, the (sub-)theme linked, the relation. "
            "Partners are actors (cities, organisations, networks), never the home city or one of its units; "
            "`left_out` counts what matched but was left out."
        ),
        tag="themes",
        params=PartnersParams,
        answer=PartnersAnswer,
        run=lambda store, p, _: partners_by_themes(store, p.theme, **_partner_options(p)),
        run_page=lambda store, p, _, window: partners_page(store, p.theme, window, **_partner_options(p)),
        paged=Paging("partners"),
        map="themes",
        cli={
            "mode": CliParam(name="any", flag_for="any", help=N_("Any of the themes instead of all of them.")),
            "kinds": CliParam(name="kind", help=N_("Keep only these node kinds (repeatable).")),
            "include_non_actors": CliParam(help=N_("Also laws, strategies, programmes (left out by default).")),
        },
        readme=(
            "`?theme=MaaS&theme=smart-city`: actors other than the home city and its units, why each matched, "
            "and `left_out` counts."
        ),
    ),
    Question(
        name="contacts",
        summary="Who our contacts are for an entity or a theme",
        help=N_(
            "Who handles an entity or a theme (direct contact, then the membership owner, then the leading unit), "
            "how each contact was found, and whether that is stated or inferred."
        ),
        description="Email and phone only for the contacts role and above; each such read is audited.",
        tag="contacts",
        params=ContactsParams,
        answer=ContactsAnswer,
        run=lambda store, p, personal: contacts(store, p.key, include_personal=personal, as_of=p.as_of),
        paged=Paging("contacts"),
        audit=_contacts_shown,
        cli={"key": CliParam(argument=True, help=N_("An entity or theme: key, name or alias (fi, sv, en)."))},
        readme=(
            "`?key=C40`: each contact with the `step` that found it (direct, membership_owner, leading_unit) "
            "and its `basis`."
        ),
    ),
    Question(
        name="paths",
        from_projection=True,
        summary="The shortest connections between two entities",
        help=N_('The shortest connections between two entities ("how are we connected to …").'),
        tag="network",
        params=PathsParams,
        answer=PathsAnswer,
        run=lambda store, p, _: paths(
            store,
            p.start,
            p.end,
            max_hops=p.max_hops,
            avoid_kinds=tuple(p.avoid_kind or ()),
            avoid_types=tuple(p.avoid_type or ()),
            limit=p.limit,
            as_of=p.as_of,
        ),
        rate_group="network",
        map="paths",
        cli={
            "start": CliParam(argument=True, help=N_("Where the connection starts: key, name or alias.")),
            "end": CliParam(argument=True, help=N_("Where it ends: key, name or alias.")),
        },
        readme="`?start=helsinki&end=bloomberg-philanthropies&max_hops=4`.",
    ),
    Question(
        name="neighbourhood",
        from_projection=True,
        summary="The subgraph around entities, to a depth",
        help=N_("The entities within DEPTH relations of KEYS, and the relations among them."),
        tag="network",
        params=NeighbourhoodParams,
        answer=NeighbourhoodAnswer,
        run=lambda store, p, _: (
            neighbourhood(
                store,
                p.key,
                depth=p.depth,
                kinds=_kinds_of(p.kinds),
                themes=p.theme,
                as_of=p.as_of,
                node_cap=p.max_nodes,
            ).raw
        ),
        rate_group="network",
        map="neighbourhood",
        cli={
            "key": CliParam(argument=True, name="keys", help=N_("Entities at the centre: keys, names or aliases.")),
            "kinds": CliParam(name="kind", help=N_("Keep only these node kinds (repeatable).")),
            "theme": CliParam(help=N_("Keep entities on these themes.")),
            "max_nodes": CliParam(max_items=50_000),
        },
        readme="`?key=tallinn&depth=2`; capped at 2,000 entities.",
    ),
    Question(
        name="governance",
        from_projection=True,
        summary="Memberships without owner; themes and partners unlinked",
        help=N_("Memberships without an owner, themes no one works on, partners on no theme."),
        tag="governance",
        params=GovernanceParams,
        answer=GovernanceAnswer,
        run=lambda store, p, _: governance_raw(store, home=p.home, as_of=p.as_of),
        cli={"home": CliParam(help=N_("The home city whose partners are checked: key or name."))},
        readme="Also memberships whose owner is only inferred.",
    ),
    Question(
        name="brokers",
        summary="The most central entities, overall or around a theme",
        help=N_("The most central entities: who connects the network, overall or around a theme."),
        tag="network",
        params=BrokersParams,
        answer=BrokersAnswer,
        run=lambda store, p, _: brokers(store, theme=p.theme, top=p.top, measure=p.measure, as_of=p.as_of),
        rate_group="network",
        cli={"theme": CliParam(help=N_("Only around this theme (and its sub-themes): key, name or alias."))},
        readme="By betweenness or degree.",
    ),
    Question(
        name="themes",
        from_projection=True,
        summary="The priority themes, their parents and how many link to each",
        help=N_("The themes, where each sits, and how many entities work on it (sub-themes included)."),
        tag="themes",
        params=ThemesParams,
        answer=ThemeOverview,
        run=lambda store, p, _: theme_overview(store, as_of=p.as_of),
        paged=Paging("themes"),
        readme="With sub-themes counted.",
    ),
    Question(
        name="theme-list",
        path="/themes/list",
        summary="Every theme's key and names, for pickers",
        help=N_("Every theme's key and names, for pickers."),
        tag="themes",
        params=NoParams,
        answer=ThemeList,
        run=lambda store, p, _: ThemeList(themes=list_themes(store)),
        paged=Paging("themes"),
        xlsx=False,
    ),
    Question(
        name="schema",
        summary="Node kinds, relation types, their properties, colours and shapes",
        help=N_("The node kinds and relation types the graph may hold (from the schema; no database needed)."),
        tag="schema",
        params=NoParams,
        answer=SchemaAnswer,
        run=lambda store, p, _: _schema_answer(store.schema),
        from_schema=_schema_answer,
        xlsx=False,
    ),
)

BY_NAME: dict[str, Question[Any, Any]] = {q.name: q for q in QUESTIONS}
README_START = "<!-- questions: generated by `python -m questions.registry`; do not edit by hand -->"
README_END = "<!-- /questions -->"
README = Path(__file__).resolve().parents[1] / "README.md"


def query_names(question: Question[Any, Any]) -> list[str]:
    """The parameters as the API names them: the model's fields (by alias), paging, format."""
    names = [info.alias or name for name, info in question.params.model_fields.items()]
    names += ["limit", "offset"] if question.paged is not None else []
    return names + (["format"] if question.xlsx else [])


def readme_table() -> str:
    """The README's table of questions: route, command, role, parameters and what each answers."""
    rows = [
        "| question | route | command | role | parameters | answers | map |",
        "|---|---|---|---|---|---|---|",
    ]
    for question in QUESTIONS:
        role = "reader (email, phone: contacts)" if question.personal else "reader"
        answers = f"{question.summary}. {question.readme}" if question.readme else question.summary
        params = ", ".join(f"`{name}`" for name in query_names(question))
        drawn = (
            f"`GET /maps/{question.map}`, `GET /maps/{question.map}.json`, `partnergraph map {question.map}`"
            if question.map
            else ""
        )
        rows.append(
            f"| {question.name} | `GET {question.route}` | `partnergraph ask {question.name}` | {role} | "
            f"{params} | {answers} | {drawn} |"
        )
    return "\n".join(rows)


def readme_block(text: str) -> str:
    """`text` (the README) with the generated table between its markers."""
    head, start, rest = text.partition(README_START)
    _, end, tail = rest.partition(README_END)
    if not start or not end:
        raise ValueError(f"README.md has no {README_START!r} … {README_END!r} block")
    return f"{head}{start}\n{readme_table()}\n{end}{tail}"


def main() -> int:
    """Rewrite the README's question table (`--check`: only say whether it is current)."""
    current = README.read_text(encoding="utf-8")
    wanted = readme_block(current)
    if "--check" in sys.argv[1:]:
        return 0 if wanted == current else 1
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
