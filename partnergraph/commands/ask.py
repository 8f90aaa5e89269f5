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

from graph.model import display_name
from graph.schema import load_schema
from graph.store import GraphStore
from i18n import N_
from partnergraph.commands.common import _, answer, as_date, err, language, tagged
from partnergraph.commands.options import AsOf, Kinds
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
from viz.views import TRUNCATED
from viz.xlsx import answer_workbook

app = typer.Typer(
    help=_("Ask the graph a question (search, entity, partners, contacts, paths…)."), no_args_is_help=True
)
out = Console()
A = TypeVar("A", bound=BaseModel)
MEASURES = {"betweenness": N_("betweenness"), "degree": N_("degree")}

Json = Annotated[bool, typer.Option("--json", help=_("Print the answer as JSON (the API's format)."))]
XlsxOut = Annotated[
    Path | None, typer.Option("--xlsx", help=_("Also write the answer to this .xlsx workbook."), dir_okay=False)
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
        err.print(_("wrote {file}", file=str(xlsx)), highlight=False)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        show(result)


def _name(ref: EntityRef) -> str:
    name = display_name(ref, language())
    return f"{name} ({ref.key})" if name != ref.key else ref.key


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


def _title(contact: Any) -> str | None:
    """A contact's title in the CLI's language, else another."""
    lang = language()
    for name in (f"title_{lang}", "title_en", "title_fi", "title_sv"):
        value = getattr(contact, name, None)
        if value:
            return str(value)
    return None


# -- commands -----------------------------------------------------------------------------------


@app.command("search", help=_('Find entities by name: "Tallinnan", "tallina", "Pekingin" all work.'))
def search_command(
    text: Annotated[str, typer.Argument(help=_("Name or alias, in Finnish or English; typos are fine."))],
    kind: Kinds = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    def show(answer: SearchResponse) -> None:
        rows = (
            (h.entity.key, h.entity.kind, display_name(h.entity, language()), h.matched, f"{h.score:.2f}")
            for h in answer.results
        )
        _table(
            _("Search: {query}", query=answer.query),
            _("key"),
            _("kind"),
            _("name"),
            _("matched"),
            _("score"),
            rows=rows,
            empty=_("nothing found"),
        )

    _ask(lambda store: search(store, text, kind, limit), show, as_json, xlsx)


@app.command("entity", help=_("An entity: its properties, its relations by type, and the quotes they rest on."))
def entity_command(
    key: Annotated[str, typer.Argument(help=_("The entity's key, name or alias (fi, sv, en)."))],
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    def show(answer: Entity) -> None:
        _resolved([answer.resolved])
        shown = display_name(answer, language())
        out.print(f"[bold]{shown}[/] ({answer.key}, {answer.kind})", highlight=False)
        for lang, label in (
            ("fi", _("in Finnish: {name}")),
            ("sv", _("in Swedish: {name}")),
            ("en", _("in English: {name}")),
        ):
            other = getattr(answer, f"name_{lang}", None) or answer.properties.get(f"name_{lang}")
            if other and other != shown:
                out.print(label.format(name=other), highlight=False)
        if answer.aliases:
            out.print(_("also: {names}", names=", ".join(answer.aliases)), highlight=False)
        for name, value in answer.properties.items():
            out.print(f"{name}: {value}", highlight=False)
        for quote in answer.sources:
            out.print(f"  {quote.cite()}", highlight=False)
        for rel_type, relations in answer.relations.items():
            rows = (
                ("→" if r.direction == "out" else "←", _name(r.other), r.other.kind, r.role, r.since, r.until, r.basis)
                for r in relations
            )
            _table(
                rel_type,
                "",
                _("other"),
                _("kind"),
                _("role"),
                _("since"),
                _("until"),
                _("basis"),
                rows=rows,
                empty=_("none"),
            )

    _ask(lambda store: entity(store, key, as_of=as_date(as_of)), show, as_json, xlsx)


@app.command(
    "partners",
    help=_(
        "Who works on all (or --any) of the themes, sub-themes included, and why. Partners are actors "
        "(cities, organisations, networks), never the home city or its own units, unless asked."
    ),
)
def partners_command(
    theme: Annotated[list[str], typer.Option("--theme", help=_("Theme keys, names or aliases (repeatable)."))],
    any_theme: Annotated[bool, typer.Option("--any", help=_("Any of the themes instead of all of them."))] = False,
    kind: Kinds = None,
    include_home: Annotated[
        bool, typer.Option("--include-home", help=_("Also the home city and its own units (left out by default)."))
    ] = False,
    include_non_actors: Annotated[
        bool, typer.Option("--include-non-actors", help=_("Also laws, strategies, programmes (left out by default)."))
    ] = False,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
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
        themes = ", ".join(answer.themes)
        title = (
            _("Partners on all of: {themes}", themes=themes)
            if answer.mode == "all"
            else _("Partners on any of: {themes}", themes=themes)
        )
        _table(title, _("entity"), _("kind"), _("themes"), _("through"), rows=rows, empty=_("none"))
        if answer.left_out:
            why = {"home": _("the home city or its own units"), "non_actors": _("not actors (laws, strategies…)")}
            counts = ", ".join(f"{count} {why.get(reason, reason)}" for reason, count in answer.left_out.items())
            out.print(_("left out: {counts} (--include-home, --include-non-actors)", counts=counts), highlight=False)

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


@app.command(
    "contacts",
    help=_(
        "Who handles an entity or a theme (direct contact, then the membership owner, then the leading unit), "
        "how each contact was found, and whether that is stated or inferred."
    ),
)
def contacts_command(
    key: Annotated[str, typer.Argument(help=_("An entity or theme: key, name or alias (fi, sv, en)."))],
    include_contacts: Annotated[
        bool, typer.Option("--include-contacts", help=_("Also show email and phone (personal data)."))
    ] = False,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    def show(answer: ContactsAnswer) -> None:
        _resolved([answer.resolved])
        columns = [
            _("person"),
            _("title"),
            _("found by"),
            _("relation"),
            _("role"),
            _("linked to"),
            _("via"),
            _("basis"),
        ]
        if answer.includes_personal:
            columns += [_("email"), _("phone")]
        steps = {
            "direct": _("direct link"),
            "membership_owner": _("membership owner"),
            "leading_unit": _("leading unit"),
        }
        rows = (
            [
                _name(c.person),
                _title(c),
                steps.get(c.step, c.step),
                c.relation,
                c.role,
                c.target,
                f"{c.via} ({c.via_relation})" if c.via else None,
                _(c.basis) if c.basis in ("stated", "inferred") else c.basis,
            ]
            + ([c.email, c.phone] if answer.includes_personal else [])
            for c in answer.contacts
        )
        name = display_name(answer.resolved.entity, language()) if answer.resolved else answer.key
        _table(
            _("Contacts for {name} ({key})", name=name, key=answer.key),
            *columns,
            rows=rows,
            empty=_("no one is linked"),
        )

    _ask(
        lambda store: contacts(store, key, include_personal=include_contacts, as_of=as_date(as_of)),
        show,
        as_json,
        xlsx,
        include_personal=include_contacts,
    )


@app.command("paths", help=_('The shortest connections between two entities ("how are we connected to …").'))
def paths_command(
    start: Annotated[str, typer.Argument(help=_("Where the connection starts: key, name or alias."))],
    end: Annotated[str, typer.Argument(help=_("Where it ends: key, name or alias."))],
    max_hops: Annotated[int, typer.Option(min=1, max=MAX_HOPS)] = 4,
    avoid_kind: Annotated[list[str] | None, typer.Option("--avoid-kind", help=_("Kinds not to pass through."))] = None,
    avoid_type: Annotated[list[str] | None, typer.Option("--avoid-type", help=_("Relation types not to use."))] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 5,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    def show(answer: PathsAnswer) -> None:
        _resolved(answer.resolved)
        if not answer.paths:
            out.print(_("No connection of at most {hops} steps.", hops=answer.max_hops), highlight=False)
            return
        values = {"count": len(answer.paths), "hops": answer.hops}
        heading = (
            _("{count} shortest connection(s) of {hops} step(s) (more exist):", **values)
            if answer.more
            else _("{count} shortest connection(s) of {hops} step(s):", **values)
        )
        out.print(heading, highlight=False)
        for number, path in enumerate(answer.paths, 1):
            text = display_name(path.nodes[0], language())
            for step, node in zip(path.steps, path.nodes[1:], strict=True):
                arrow = "→" if step.direction == "forward" else "←"
                text += f" {arrow}[{'|'.join(step.types)}]{arrow} {display_name(node, language())}"
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


@app.command("neighbourhood", help=_("The entities within DEPTH relations of KEYS, and the relations among them."))
def neighbourhood_command(
    keys: Annotated[list[str], typer.Argument(help=_("Entities at the centre: keys, names or aliases."))],
    depth: Annotated[int, typer.Option(min=0, max=MAX_DEPTH)] = 1,
    kind: Kinds = None,
    theme: Annotated[list[str] | None, typer.Option("--theme", help=_("Keep entities on these themes."))] = None,
    max_nodes: Annotated[int, typer.Option(min=1, max=50_000)] = DEFAULT_NODE_CAP,
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    def show(answer: NeighbourhoodAnswer) -> None:
        _resolved(answer.resolved)
        rows = ((n.depth, n.key, n.kind, display_name(n, language())) for n in answer.nodes)
        _table(
            _("Around {keys}", keys=", ".join(answer.seeds)),
            _("depth"),
            _("key"),
            _("kind"),
            _("name"),
            rows=rows,
            empty=_("nothing"),
        )
        edges = ((e.start, e.type, e.end, e.role, _(e.basis) if e.basis else e.basis) for e in answer.edges)
        _table(_("Relations"), _("start"), _("type"), _("end"), _("role"), _("basis"), rows=edges, empty=_("none"))
        if answer.truncated:
            err.print(tagged("yellow", _("note"), _(TRUNCATED, cap=max_nodes)), highlight=False)

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


@app.command("governance", help=_("Memberships without an owner, themes no one works on, partners on no theme."))
def governance_command(
    home: Annotated[str, typer.Option(help=_("The home city whose partners are checked: key or name."))] = "helsinki",
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    def show(answer: GovernanceAnswer) -> None:
        memberships = (
            (_name(m.member), _name(m.network), _(m.basis) if m.basis else m.basis)
            for m in answer.memberships_without_owner
        )
        _table(
            _("Memberships without an owner"),
            _("member"),
            _("network"),
            _("membership basis"),
            rows=memberships,
            empty=_("none: all have one"),
        )
        inferred = (
            (_name(m.member), _name(m.network), ", ".join(_name(o) for o in m.owners), _(m.owner_basis))
            for m in answer.memberships_with_inferred_owner
        )
        _table(
            _("Memberships whose owner is only inferred (no source names one)"),
            _("member"),
            _("network"),
            _("owner"),
            _("owner basis"),
            rows=inferred,
            empty=_("none"),
        )
        nobody = ([_name(t)] for t in answer.themes_without_partners)
        _table(_("Themes no one works on"), _("theme"), rows=nobody, empty=_("none"))
        only_home = ([_name(t)] for t in answer.themes_only_home)
        _table(_("Themes only {home} works on", home=answer.home), _("theme"), rows=only_home, empty=_("none"))
        lonely = ((_name(p), p.kind) for p in answer.partners_without_theme)
        _table(
            _("Partners of {home} on no theme", home=answer.home), _("partner"), _("kind"), rows=lonely, empty=_("none")
        )

    _ask(lambda store: governance(store, home=home, as_of=as_date(as_of)), show, as_json, xlsx)


@app.command("brokers", help=_("The most central entities: who connects the network, overall or around a theme."))
def brokers_command(
    theme: Annotated[
        str | None, typer.Option(help=_("Only around this theme (and its sub-themes): key, name or alias."))
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=200)] = 10,
    measure: Annotated[str, typer.Option(help=_("betweenness or degree."))] = "betweenness",
    as_of: AsOf = None,
    as_json: Json = False,
    xlsx: XlsxOut = None,
) -> None:
    def show(answer: BrokersAnswer) -> None:
        rows = ((_name(b.entity), b.entity.kind, f"{b.score:.4f}", b.degree) for b in answer.brokers)
        measure = _(MEASURES.get(answer.measure, answer.measure))
        if answer.theme:
            title = (
                _("Brokers by {measure} (estimated) around {theme}", measure=measure, theme=answer.theme)
                if answer.estimated
                else _("Brokers by {measure} around {theme}", measure=measure, theme=answer.theme)
            )
        else:
            title = (
                _("Brokers by {measure} (estimated)", measure=measure)
                if answer.estimated
                else _("Brokers by {measure}", measure=measure)
            )
        _table(title, _("entity"), _("kind"), _("score"), _("neighbours"), rows=rows, empty=_("none"))

    if measure not in ("betweenness", "degree"):
        raise typer.BadParameter(_("betweenness or degree"), param_hint="--measure")
    chosen: Literal["betweenness", "degree"] = "degree" if measure == "degree" else "betweenness"
    _ask(lambda store: brokers(store, theme=theme, top=top, measure=chosen, as_of=as_date(as_of)), show, as_json, xlsx)


@app.command("themes", help=_("The themes, where each sits, and how many entities work on it (sub-themes included)."))
def themes_command(as_of: AsOf = None, as_json: Json = False, xlsx: XlsxOut = None) -> None:
    def show(answer: ThemeOverview) -> None:
        by_key = {t.key: t for t in answer.themes}
        rows: list[tuple[Any, ...]] = []

        def walk(key: str, level: int, seen: frozenset[str]) -> None:
            theme = by_key[key]
            label = "  " * level + display_name(theme, language())
            rows.append((label, key, theme.theme_type, theme.direct_links, theme.total_links))
            for child in theme.children:
                if child not in seen:
                    walk(child, level + 1, seen | {child})

        for root in answer.roots:
            walk(root, 0, frozenset({root}))
        _table(
            _("Themes"), _("theme"), _("key"), _("type"), _("direct"), _("with sub-themes"), rows=rows, empty=_("none")
        )

    _ask(lambda store: theme_overview(store, as_of=as_date(as_of)), show, as_json, xlsx)


class Catalogue(BaseModel):
    kinds: list[KindInfo]
    relation_types: list[RelationTypeInfo]


@app.command(
    "schema", help=_("The node kinds and relation types the graph may hold (from the schema; no database needed).")
)
def schema_command(as_json: Json = False) -> None:
    schema = load_schema()
    answer = Catalogue(kinds=list_kinds(schema), relation_types=list_relation_types(schema))
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
        return
    kinds = ((k.name, k.description) for k in answer.kinds)
    _table(_("Kinds"), _("kind"), _("description"), rows=kinds, empty=_("none"))
    types = ((r.name, "|".join(r.sources), "|".join(r.targets), r.description) for r in answer.relation_types)
    _table(_("Relation types"), _("type"), _("from"), _("to"), _("description"), rows=types, empty=_("none"))
