"""How `partnergraph ask` prints each answer for people: rich tables, in the CLI's language.

One renderer a question, by the question's name; a question without one prints its JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from graph.model import display_name
from i18n import N_
from partnergraph.commands.common import _, err, language, tagged
from questions.brokers import BrokersAnswer
from questions.common import EntityRef
from questions.contacts import ContactsAnswer
from questions.entity import Entity
from questions.governance import GovernanceAnswer
from questions.neighbourhood import NeighbourhoodAnswer
from questions.partners import PartnersAnswer
from questions.paths import PathsAnswer
from questions.registry import SchemaAnswer, ThemeList
from questions.resolve import Resolution
from questions.search import SearchResponse
from questions.themes import ThemeOverview
from viz.views import TRUNCATED

out = Console()
MEASURES = {"betweenness": N_("betweenness"), "degree": N_("degree")}


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


def show_search(answer: SearchResponse) -> None:
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


def show_entity(answer: Entity) -> None:
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


def show_partners(answer: PartnersAnswer) -> None:
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


def show_contacts(answer: ContactsAnswer) -> None:
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


def show_paths(answer: PathsAnswer) -> None:
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


def show_neighbourhood(answer: NeighbourhoodAnswer) -> None:
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
        err.print(tagged("yellow", _("note"), _(TRUNCATED, cap=len(answer.nodes))), highlight=False)


def show_governance(answer: GovernanceAnswer) -> None:
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
    _table(_("Partners of {home} on no theme", home=answer.home), _("partner"), _("kind"), rows=lonely, empty=_("none"))


def show_brokers(answer: BrokersAnswer) -> None:
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


def show_themes(answer: ThemeOverview) -> None:
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
    _table(_("Themes"), _("theme"), _("key"), _("type"), _("direct"), _("with sub-themes"), rows=rows, empty=_("none"))


def show_theme_list(answer: ThemeList) -> None:
    rows = ((t.key, display_name(t, language())) for t in answer.themes)
    _table(_("Themes"), _("key"), _("name"), rows=rows, empty=_("none"))


def show_schema(answer: SchemaAnswer) -> None:
    kinds = ((k.name, k.description) for k in answer.kinds)
    _table(_("Kinds"), _("kind"), _("description"), rows=kinds, empty=_("none"))
    types = ((r.name, "|".join(r.sources), "|".join(r.targets), r.description) for r in answer.relation_types)
    _table(_("Relation types"), _("type"), _("from"), _("to"), _("description"), rows=types, empty=_("none"))


# The renderer of each question of the catalogue, by its name.
RENDERERS: dict[str, Callable[[Any], None]] = {
    "search": show_search,
    "entity": show_entity,
    "partners": show_partners,
    "contacts": show_contacts,
    "paths": show_paths,
    "neighbourhood": show_neighbourhood,
    "governance": show_governance,
    "brokers": show_brokers,
    "themes": show_themes,
    "theme-list": show_theme_list,
    "schema": show_schema,
}


def show(name: str, answer: BaseModel) -> None:
    """Print an answer as its question's tables, or as JSON where it has none."""
    renderer = RENDERERS.get(name)
    if renderer is None:
        out.print_json(answer.model_dump_json())
    else:
        renderer(answer)
