"""`partnergraph ask …`: every question of the API, from the command line.

Each command opens the configured store, calls one function of `questions/` and prints its answer
as a table, or as the API's JSON with `--json`. Wherever a key is asked, a name or an alias in
Finnish, Swedish or English does too ("C40", "Helsingfors", "--theme MaaS"); the answer says what
it was read as, and an unknown name gets "did you mean …". Contact email and phone are shown only with
`--include-contacts`: whoever runs the CLI owns the database, but shoulder-surfing is real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from graph.schema import load_schema
from graph.store import GraphStore
from partnergraph.commands.common import AsOf, Kinds, answer, as_date, err
from questions.brokers import BrokersAnswer, brokers
from questions.catalogue import KindInfo, RelationTypeInfo, list_kinds, list_relation_types
from questions.common import EntityRef
from questions.contacts import ContactsAnswer, contacts
from questions.entity import Entity, entity
from questions.governance import GovernanceAnswer, governance
from questions.neighbourhood import DEFAULT_NODE_CAP, MAX_DEPTH, NeighbourhoodAnswer, neighbourhood
from questions.partners import PartnersAnswer, partners_by_themes
from questions.paths import MAX_HOPS, PathsAnswer, paths
from questions.resolve import Resolution
from questions.search import SearchResponse, search
from questions.themes import ThemeOverview, theme_overview
from viz.xlsx import answer_workbook

app = typer.Typer(help="Ask the graph a question (search, entity, partners, contacts, paths…).", no_args_is_help=True)
out = Console()
A = TypeVar("A", bound=BaseModel)

Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON (the API's format).")]
XlsxOut = Annotated[
    Path | None, typer.Option("--xlsx", help="Also write the answer to this .xlsx workbook.", dir_okay=False)
]


def _ask(
    question: Callable[[GraphStore], A],
    show: Callable[[A], None],
    as_json: bool,
    xlsx: Path | None = None,
    *,
    include_personal: bool = False,
) -> None:
    """Ask one question; print its answer as a table, or as the API's JSON; and to a workbook."""
    result = answer(question)
    if xlsx is not None:
        xlsx.write_bytes(answer_workbook(result, load_schema(), include_personal=include_personal))
        err.print(f"wrote {xlsx}", highlight=False)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        show(result)


def _name(ref: EntityRef) -> str:
    return f"{ref.name} ({ref.key})" if ref.name != ref.key else ref.key


def _resolved(resolutions: Iterable[Resolution | None]) -> None:
    """Say what a name was read as (nothing when a key was given)."""
    for resolution in resolutions:
        if resolution is not None and resolution.by != "key":
            out.print(f"“{resolution.asked}” = {_name(resolution.entity)}", highlight=False)


def _table(title: str, *columns: str, rows: Iterable[Iterable[Any]], empty: str) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")  # wrap, never cut: keys and emails must stay whole
    count = 0
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
        count += 1
    out.print(table if count else f"{title}: {empty}", highlight=False)


# -- commands -----------------------------------------------------------------------------------


@app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="Name or alias, in Finnish or English; typos are fine.")],
    kind: Kinds = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """Find entities by name: "Tallinnan", "tallina", "Pekingin" all work."""

    def show(answer: SearchResponse) -> None:
        rows = ((h.entity.key, h.entity.kind, h.entity.name, h.matched, f"{h.score:.2f}") for h in answer.results)
        _table(f"Search: {answer.query}", "key", "kind", "name", "matched", "score", rows=rows, empty="nothing found")

    _ask(lambda store: search(store, text, kind, limit), show, as_json, xlsx)


@app.command("entity")
def entity_command(
    key: Annotated[str, typer.Argument(help="The entity's key, name or alias (fi, sv, en).")],
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """An entity: its properties, its relations by type, and the quotes they rest on."""

    def show(answer: Entity) -> None:
        _resolved([answer.resolved])
        out.print(f"[bold]{answer.name_en or answer.name_fi}[/] ({answer.key}, {answer.kind})", highlight=False)
        if answer.name_fi and answer.name_fi != answer.name_en:
            out.print(f"in Finnish: {answer.name_fi}", highlight=False)
        if answer.name_sv and answer.name_sv != answer.name_en:
            out.print(f"in Swedish: {answer.name_sv}", highlight=False)
        if answer.aliases:
            out.print(f"also: {', '.join(answer.aliases)}", highlight=False)
        for name, value in answer.properties.items():
            out.print(f"{name}: {value}", highlight=False)
        for quote in answer.sources:
            out.print(f"  {quote.cite()}", highlight=False)
        for rel_type, relations in answer.relations.items():
            rows = (
                ("→" if r.direction == "out" else "←", _name(r.other), r.other.kind, r.role, r.since, r.until, r.basis)
                for r in relations
            )
            _table(rel_type, "", "other", "kind", "role", "since", "until", "basis", rows=rows, empty="none")

    _ask(lambda store: entity(store, key, as_of=as_date(as_of)), show, as_json, xlsx)


@app.command("partners")
def partners_command(
    theme: Annotated[list[str], typer.Option("--theme", help="Theme keys, names or aliases (repeatable).")],
    any_theme: Annotated[bool, typer.Option("--any", help="Any of the themes instead of all of them.")] = False,
    kind: Kinds = None,
    include_home: Annotated[
        bool, typer.Option("--include-home", help="Also the home city and its own units (left out by default).")
    ] = False,
    include_non_actors: Annotated[
        bool, typer.Option("--include-non-actors", help="Also laws, strategies, programmes (left out by default).")
    ] = False,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """Who works on all (or --any) of the themes, sub-themes included, and why. Partners are actors
    (cities, organisations, networks), never the home city or its own units, unless asked."""

    def show(answer: PartnersAnswer) -> None:
        _resolved(answer.resolved)
        rows = (
            (
                _name(p.entity),
                p.entity.kind,
                ", ".join(p.themes),
                "; ".join(sorted({f"{m.relation} {m.via_theme}" for m in p.matches})),
            )
            for p in answer.partners
        )
        title = f"Partners on {answer.mode} of: {', '.join(answer.themes)}"
        _table(title, "entity", "kind", "themes", "through", rows=rows, empty="none")
        if answer.left_out:
            why = {"home": "the home city or its own units", "non_actors": "not actors (laws, strategies…)"}
            counts = ", ".join(f"{count} {why.get(reason, reason)}" for reason, count in answer.left_out.items())
            out.print(f"left out: {counts} (--include-home, --include-non-actors)", highlight=False)

    mode: Literal["all", "any"] = "any" if any_theme else "all"
    _ask(
        lambda store: partners_by_themes(
            store,
            theme,
            mode=mode,
            kinds=kind,
            as_of=as_date(as_of),
            include_home=include_home,
            include_non_actors=include_non_actors,
        ),
        show,
        as_json,
        xlsx,
    )


@app.command("contacts")
def contacts_command(
    key: Annotated[str, typer.Argument(help="An entity or theme: key, name or alias (fi, sv, en).")],
    include_contacts: Annotated[
        bool, typer.Option("--include-contacts", help="Also show email and phone (personal data).")
    ] = False,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """Who handles an entity or a theme (direct contact, then the membership owner, then the leading
    unit), how each contact was found, and whether that is stated or inferred."""

    def show(answer: ContactsAnswer) -> None:
        _resolved([answer.resolved])
        columns = ["person", "title", "found by", "relation", "role", "linked to", "via", "basis"]
        if answer.includes_personal:
            columns += ["email", "phone"]
        steps = {"direct": "direct link", "membership_owner": "membership owner", "leading_unit": "leading unit"}
        rows = (
            [
                _name(c.person),
                c.title_en or c.title_fi,
                steps.get(c.step, c.step),
                c.relation,
                c.role,
                c.target,
                f"{c.via} ({c.via_relation})" if c.via else None,
                c.basis,
            ]
            + ([c.email, c.phone] if answer.includes_personal else [])
            for c in answer.contacts
        )
        name = answer.resolved.entity.name if answer.resolved else answer.key
        _table(f"Contacts for {name} ({answer.key})", *columns, rows=rows, empty="no one is linked")

    _ask(
        lambda store: contacts(store, key, include_personal=include_contacts, as_of=as_date(as_of)),
        show,
        as_json,
        xlsx,
        include_personal=include_contacts,
    )


@app.command("paths")
def paths_command(
    start: Annotated[str, typer.Argument(help="Where the connection starts: key, name or alias.")],
    end: Annotated[str, typer.Argument(help="Where it ends: key, name or alias.")],
    max_hops: Annotated[int, typer.Option(min=1, max=MAX_HOPS)] = 4,
    avoid_kind: Annotated[list[str] | None, typer.Option("--avoid-kind", help="Kinds not to pass through.")] = None,
    avoid_type: Annotated[list[str] | None, typer.Option("--avoid-type", help="Relation types not to use.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 5,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """The shortest connections between two entities ("how are we connected to …")."""

    def show(answer: PathsAnswer) -> None:
        _resolved(answer.resolved)
        if not answer.paths:
            out.print(f"No connection of at most {answer.max_hops} steps.", highlight=False)
            return
        more = " (more exist)" if answer.more else ""
        out.print(f"{len(answer.paths)} shortest connection(s) of {answer.hops} step(s){more}:", highlight=False)
        for number, path in enumerate(answer.paths, 1):
            text = path.nodes[0].name
            for step, node in zip(path.steps, path.nodes[1:], strict=True):
                arrow = "→" if step.direction == "forward" else "←"
                text += f" {arrow}[{'|'.join(step.types)}]{arrow} {node.name}"
            out.print(f"{number}. {text}", highlight=False)

    _ask(
        lambda store: paths(
            store,
            start,
            end,
            max_hops=max_hops,
            avoid_kinds=avoid_kind or (),
            avoid_types=avoid_type or (),
            limit=limit,
            as_of=as_date(as_of),
        ),
        show,
        as_json,
        xlsx,
    )


@app.command("neighbourhood")
def neighbourhood_command(
    keys: Annotated[list[str], typer.Argument(help="Entities at the centre: keys, names or aliases.")],
    depth: Annotated[int, typer.Option(min=0, max=MAX_DEPTH)] = 1,
    kind: Kinds = None,
    theme: Annotated[list[str] | None, typer.Option("--theme", help="Keep entities on these themes.")] = None,
    max_nodes: Annotated[int, typer.Option(min=1, max=50_000)] = DEFAULT_NODE_CAP,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """The entities within DEPTH relations of KEYS, and the relations among them."""

    def show(answer: NeighbourhoodAnswer) -> None:
        _resolved(answer.resolved)
        rows = ((n.depth, n.key, n.kind, n.name_en or n.name_fi) for n in answer.nodes)
        _table(f"Around {', '.join(answer.seeds)}", "depth", "key", "kind", "name", rows=rows, empty="nothing")
        edges = ((e.start, e.type, e.end, e.role, e.basis) for e in answer.edges)
        _table("Relations", "start", "type", "end", "role", "basis", rows=edges, empty="none")
        if answer.message:
            err.print(f"[yellow]note[/]: {answer.message}", highlight=False)

    _ask(
        lambda store: (
            neighbourhood(
                store, keys, depth=depth, kinds=kind, themes=theme, as_of=as_date(as_of), node_cap=max_nodes
            ).answer
        ),
        show,
        as_json,
        xlsx,
    )


@app.command("governance")
def governance_command(
    home: Annotated[str, typer.Option(help="The home city whose partners are checked: key or name.")] = "helsinki",
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """Memberships without an owner, themes no one works on, partners on no theme."""

    def show(answer: GovernanceAnswer) -> None:
        memberships = ((_name(m.member), _name(m.network), m.basis) for m in answer.memberships_without_owner)
        _table("Memberships without an owner", "member", "network", "membership basis", rows=memberships, empty="none")
        inferred = (
            (_name(m.member), _name(m.network), ", ".join(_name(o) for o in m.owners), m.owner_basis)
            for m in answer.memberships_with_inferred_owner
        )
        _table(
            "Memberships whose owner is only inferred (no source names one)",
            "member",
            "network",
            "owner",
            "owner basis",
            rows=inferred,
            empty="none",
        )
        nobody = ([_name(t)] for t in answer.themes_without_partners)
        _table("Themes no one works on", "theme", rows=nobody, empty="none")
        only_home = ([_name(t)] for t in answer.themes_only_home)
        _table(f"Themes only {answer.home} works on", "theme", rows=only_home, empty="none")
        lonely = ((_name(p), p.kind) for p in answer.partners_without_theme)
        _table(f"Partners of {answer.home} on no theme", "partner", "kind", rows=lonely, empty="none")

    _ask(lambda store: governance(store, home=home, as_of=as_date(as_of)), show, as_json, xlsx)


@app.command("brokers")
def brokers_command(
    theme: Annotated[
        str | None, typer.Option(help="Only around this theme (and its sub-themes): key, name or alias.")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=200)] = 10,
    measure: Annotated[str, typer.Option(help="betweenness or degree.")] = "betweenness",
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    """The most central entities: who connects the network, overall or around a theme."""

    def show(answer: BrokersAnswer) -> None:
        rows = ((_name(b.entity), b.entity.kind, f"{b.score:.4f}", b.degree) for b in answer.brokers)
        note = " (estimated)" if answer.estimated else ""
        title = f"Brokers by {answer.measure}{note}" + (f" around {answer.theme}" if answer.theme else "")
        _table(title, "entity", "kind", "score", "neighbours", rows=rows, empty="none")

    if measure not in ("betweenness", "degree"):
        raise typer.BadParameter("betweenness or degree", param_hint="--measure")
    chosen: Literal["betweenness", "degree"] = "degree" if measure == "degree" else "betweenness"
    _ask(lambda store: brokers(store, theme=theme, top=top, measure=chosen, as_of=as_date(as_of)), show, as_json, xlsx)


@app.command("themes")
def themes_command(as_of: AsOf = None, as_json: Json = False, xlsx: XlsxOut = None) -> None:
    """The themes, where each sits, and how many entities work on it (sub-themes included)."""

    def show(answer: ThemeOverview) -> None:
        by_key = {t.key: t for t in answer.themes}
        rows: list[tuple[Any, ...]] = []

        def walk(key: str, level: int, seen: frozenset[str]) -> None:
            theme = by_key[key]
            label = "  " * level + (theme.name_en or key)
            rows.append((label, key, theme.theme_type, theme.direct_links, theme.total_links))
            for child in theme.children:
                if child not in seen:
                    walk(child, level + 1, seen | {child})

        for root in answer.roots:
            walk(root, 0, frozenset({root}))
        _table("Themes", "theme", "key", "type", "direct", "with sub-themes", rows=rows, empty="none")

    _ask(lambda store: theme_overview(store, as_of=as_date(as_of)), show, as_json, xlsx)


class Catalogue(BaseModel):
    kinds: list[KindInfo]
    relation_types: list[RelationTypeInfo]


@app.command("schema")
def schema_command(as_json: Json = False) -> None:
    """The node kinds and relation types the graph may hold (from the schema; no database needed)."""
    schema = load_schema()
    answer = Catalogue(kinds=list_kinds(schema), relation_types=list_relation_types(schema))
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
        return
    _table("Kinds", "kind", "description", rows=((k.name, k.description) for k in answer.kinds), empty="none")
    types = ((r.name, "|".join(r.sources), "|".join(r.targets), r.description) for r in answer.relation_types)
    _table("Relation types", "type", "from", "to", "description", rows=types, empty="none")
