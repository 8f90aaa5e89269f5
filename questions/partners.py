"""Partners by themes: who works on all (or any) of the given themes, sub-themes included.

"Works on" is one of the theme links (TOUCHES, KEY_ACTOR_FOR, LEADS) into the theme or into any
theme below it; each answer lists the relations and themes that made it match, so a user can see
*why* an actor is on the list (e.g. it touches MaaS, which sits under Smart City).

A partner is an actor (a kind the schema marks `actor: true`: cities, organisations, networks),
never a law, a strategy or a theme, and never the home city itself nor one of its own units (what
is PART_OF it, at any depth): those are left out and counted, unless asked for with
`include_non_actors` / `include_home`. Themes may be given by key, name or alias.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple, TypedDict, Unpack

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from graph.schema import load_schema
from graph.store import GraphStore
from questions.columns import is_in
from questions.common import EntityRef, QuestionError, Raw, check_kinds
from questions.projection import Projection, View, view
from questions.reads import relations_of_type
from questions.resolve import Resolution, keys_of, resolve, resolve_all
from questions.themes import THEME, closure_in, link_rels, theme_closure, theme_links, theme_tree

HOME = "helsinki"  # the document's city (the setting PARTNERGRAPH_HOME names the explorer's)
_SCHEMA = load_schema()  # the meaning of kinds and types is the schema's (graph/schema.yaml roles)
PART_OF = _SCHEMA.type_with_role("hierarchy")
HOME_KIND = _SCHEMA.kind_with_role("home")


class ThemeMatch(BaseModel):
    theme: str  # the theme asked for
    via_theme: str  # the theme actually linked: the one asked for or one of its sub-themes
    relation: str  # TOUCHES, KEY_ACTOR_FOR or LEADS
    basis: str
    role: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class Partner(BaseModel):
    entity: EntityRef
    themes: list[str]  # the requested themes it matched
    matches: list[ThemeMatch]


class PartnersAnswer(BaseModel):
    themes: list[str]
    mode: Literal["all", "any"]
    partners: list[Partner]
    home: str | None = None  # the home city left out with its own units; None when kept or absent
    left_out: dict[str, int] = {}  # how many matches were not partners: "home" (and its units), "non_actors"
    resolved: list[Resolution] = []  # how each theme asked for was read (keys, names or aliases)


class PartnerQuery(TypedDict, total=False):
    """How the partners of some themes are asked for, besides the themes (defaults in `_partners`)."""

    mode: Literal["all", "any"]
    kinds: Iterable[str] | None
    as_of: dt.date | None
    home: str | None
    include_home: bool
    include_non_actors: bool
    in_database: bool


class _Options(NamedTuple):
    as_of: dt.date | None
    home: str | None
    include_home: bool
    include_non_actors: bool


def _in_database(
    store: GraphStore, asked: list[str], mode: Literal["all", "any"], wanted_kinds: set[str], options: _Options
) -> PartnersAnswer:
    """`partners_by_themes` asked of the database, link by link: the plain reference the fast
    path is tested against, and its way for more themes than its bit sets hold."""
    as_of, home, include_home, include_non_actors = options
    resolved = resolve_all(store, asked, kinds=[THEME])
    closure = theme_closure(store, keys_of(resolved), as_of)
    actors = store.schema.actor_kinds
    home_key = None if include_home else _home_key(store, home)
    own = _home_and_units(store, home_key, as_of)
    asked_for: dict[str, set[str]] = {}  # linked theme -> the requested themes it stands for
    for theme, family in closure.items():
        for member in family:
            asked_for.setdefault(member, set()).add(theme)
    found: dict[str, tuple[EntityRef, list[ThemeMatch]]] = {}
    skipped: dict[str, tuple[str, set[str]]] = {}  # entity -> (why it is no partner, themes it matched)
    for link in theme_links(store, asked_for, as_of):
        if link.actor.kind == THEME or (wanted_kinds and link.actor.kind not in wanted_kinds):
            continue
        if link.actor.key in own or (not include_non_actors and link.actor.kind not in actors):
            why = "home" if link.actor.key in own else "non_actors"
            skipped.setdefault(link.actor.key, (why, set()))[1].update(asked_for[link.theme])
            continue
        _, matches = found.setdefault(link.actor.key, (link.actor, []))
        for theme in sorted(asked_for[link.theme]):
            matches.append(
                ThemeMatch(
                    theme=theme,
                    via_theme=link.theme,
                    relation=link.type,
                    basis=str(link.props.get("basis", "stated")),
                    role=link.props.get("role"),
                    since=link.props.get("since"),
                    until=link.props.get("until"),
                )
            )

    def qualifies(matched: set[str]) -> bool:
        return matched == set(closure) if mode == "all" else bool(matched)

    partners = []
    for entity, matches in found.values():
        matched = {m.theme for m in matches}
        if qualifies(matched):
            ordered = sorted(matches, key=lambda m: (m.theme, m.via_theme, m.relation, m.role or ""))
            partners.append(Partner(entity=entity, themes=sorted(matched), matches=ordered))
    partners.sort(key=lambda p: (-len(p.themes), -len(p.matches), p.entity.key))
    left_out: dict[str, int] = {}
    for why, matched in skipped.values():
        if qualifies(matched):
            left_out[why] = left_out.get(why, 0) + 1
    return PartnersAnswer(
        themes=sorted(closure),
        mode=mode,
        partners=partners,
        home=home_key,
        left_out=dict(sorted(left_out.items())),
        resolved=resolved,
    )


def partners_by_themes(store: GraphStore, themes: Iterable[str], **query: Unpack[PartnerQuery]) -> PartnersAnswer:
    """Actors linked to every (`all`) or some (`any`) requested theme; most themes matched first.

    `home`: the home city (a key or name) whose own work is not a partner's; None or an absent home
    leaves nothing out on that ground.

    Answered from the projection's theme links (one read of the change counter, then arrays): each
    link's requested themes are bits, an actor's are the OR of its links', and only the partners
    that qualify are turned into models. `in_database`: the plain reference the tests hold it to.
    """
    return _partners(store, themes, None, **query)[0].validate()


def partners_page(
    store: GraphStore, themes: Iterable[str], window: slice, **query: Unpack[PartnerQuery]
) -> tuple[Raw[PartnersAnswer], int]:
    """`partners_by_themes` with only the partners of `window` (in the same order), as plain data,
    and how many there are in all: the partners are ranked on arrays, only the page's are built."""
    return _partners(store, themes, window, **query)


def _partners(
    store: GraphStore,
    themes: Iterable[str],
    window: slice | None,
    *,
    mode: Literal["all", "any"] = "all",
    kinds: Iterable[str] | None = None,
    as_of: dt.date | None = None,
    home: str | None = HOME,
    include_home: bool = False,
    include_non_actors: bool = False,
    in_database: bool = False,
) -> tuple[Raw[PartnersAnswer], int]:
    options = _Options(as_of, home, include_home, include_non_actors)
    if mode not in ("all", "any"):
        raise QuestionError("mode must be 'all' or 'any'")
    wanted_kinds = set(check_kinds(store.schema, kinds))
    asked = list(dict.fromkeys(themes))
    if not asked:
        raise QuestionError("name at least one theme")
    at = None if in_database else view(store)
    resolved = [] if at is None else resolve_all(store, asked, kinds=[THEME], at=at)
    closure = {} if at is None else closure_in(theme_tree(store, as_of, at=at), keys_of(resolved))
    if at is None or len(closure) > MAX_BITS:
        answer = _in_database(store, asked, mode, wanted_kinds, options)
        total = len(answer.partners)
        if window is not None:
            answer.partners = answer.partners[window]
        return Raw(PartnersAnswer, answer.model_dump(by_alias=True)), total
    p = at.projection
    home_key = None if include_home else _home_key(store, home, at)
    requested = sorted(closure)
    asked_for: dict[str, list[str]] = {}  # linked theme -> the requested themes it stands for, sorted
    bits = np.zeros(len(p.keys), dtype=np.int64)
    for j, theme in enumerate(requested):
        for member in closure[theme]:
            asked_for.setdefault(member, []).append(theme)
            if member in p.index:
                bits[p.index[member]] |= 1 << j
    rels = link_rels(at, as_of)
    rels = rels[bits[p.ends[rels]] != 0]
    rels = rels[_counted(at, frozenset(wanted_kinds))[p.starts[rels]]]
    own, partner_ok = _partner_masks(at, store, home_key, as_of, include_non_actors)
    full = (1 << len(requested)) - 1
    actors, first, matched = _matched(p, rels, bits)
    qualifies = matched == full if mode == "all" else matched != 0
    left_out: dict[str, int] = {}
    for why, count in (
        ("home", int((qualifies & own[actors]).sum())),
        ("non_actors", int((qualifies & ~own[actors] & ~partner_ok[actors]).sum())),
    ):
        if count:
            left_out[why] = count
    ranked = _ranked(p, rels, first, actors, matched, np.flatnonzero(qualifies & partner_ok[actors]), asked_for)
    bounds = np.append(first, len(rels))
    partners = []
    for i in (ranked if window is None else ranked[window]).tolist():
        own_rels = rels[bounds[i] : bounds[i + 1]]
        links = list(zip(own_rels.tolist(), p.ends[own_rels].tolist(), strict=True))
        partners.append(_partner(p, int(actors[i]), links, asked_for, int(matched[i]), requested))
    data = {"themes": requested, "mode": mode, "partners": partners, "home": home_key, "left_out": left_out,
            "resolved": resolved}  # fmt: skip
    return Raw(PartnersAnswer, data), len(ranked)


def _ranked(
    p: Projection,
    rels: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    actors: npt.NDArray[np.int32],
    matched: npt.NDArray[np.int64],
    chosen: npt.NDArray[np.int64],
    asked_for: dict[str, list[str]],
) -> npt.NDArray[np.int64]:
    """The `chosen` actors (positions in `actors`) best first, as the answer lists partners: most
    requested themes matched, then most matches (a link counts once per requested theme it stands
    for), then by key (indices sort as keys do)."""
    if not len(chosen):
        return chosen
    per_theme = np.zeros(len(p.keys), dtype=np.int64)
    for member, asked in asked_for.items():
        if member in p.index:
            per_theme[p.index[member]] = len(asked)
    matches = np.add.reduceat(per_theme[p.ends[rels]], first)
    themes = np.zeros(len(matched), dtype=np.int64)
    for j in range(int(matched.max()).bit_length()):
        themes += (matched >> j) & 1
    return chosen[np.lexsort((actors[chosen], -matches[chosen], -themes[chosen]))]


MAX_BITS = 62  # requested themes the fast path tells apart as bits of one int64


def _kind_ids(p: Projection, kinds: Iterable[str]) -> list[int]:
    wanted = set(kinds)
    return [i for i, name in enumerate(p.kind_names) if name in wanted]


def _counted(at: View, wanted_kinds: frozenset[str]) -> npt.NDArray[np.bool_]:
    """Per entity: whether its theme links count (no theme; of a wanted kind, when kinds are named),
    kept with the projection."""

    def build(p: Projection) -> npt.NDArray[np.bool_]:
        counted = ~is_in(p.kind_ids, _kind_ids(p, [THEME]), len(p.kind_names))
        if wanted_kinds:
            counted &= is_in(p.kind_ids, _kind_ids(p, wanted_kinds), len(p.kind_names))
        counted.flags.writeable = False  # shared by every question until the counter moves
        return counted

    return at.get(("partners_counted", wanted_kinds), build)


def _partner_masks(
    at: View, store: GraphStore, home_key: str | None, as_of: dt.date | None, include_non_actors: bool
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per entity: the home city or one of its units, and whether it may be a partner; kept with
    the projection."""

    def build(p: Projection) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        own = _own_mask(at, store, home_key, as_of)
        actors = is_in(p.kind_ids, _kind_ids(p, store.schema.actor_kinds), len(p.kind_names))
        ok = ~own if include_non_actors else ~own & actors
        own.flags.writeable = ok.flags.writeable = False  # shared by every question until the counter moves
        return own, ok

    return at.get(("partner_masks", home_key, as_of, include_non_actors), build)


def _matched(
    p: Projection, rels: npt.NDArray[np.int64], bits: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The actors of `rels` (which are sorted by actor), where each one's links begin, and the
    requested themes (bits) each actor's links reach."""
    starts = p.starts[rels]
    if not len(rels):
        return starts, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    actors, first = np.unique(starts, return_index=True)
    return actors, first.astype(np.int64), np.bitwise_or.reduceat(bits[p.ends[rels]], first)


def _partner(
    p: Projection,
    actor: int,
    links: list[tuple[int, int]],
    asked_for: dict[str, list[str]],
    matched: int,
    requested: list[str],
) -> dict[str, Any]:
    """One partner's answer as `Partner` data, from its links: (relation, theme linked) in
    `theme_links`' order."""
    matches = []
    keys, types, bases, roles, since, until = p.keys, p.types, p.bases, p.roles, p.since, p.until
    for r, end in links:
        via, basis = keys[end], bases[r]
        for theme in asked_for[via]:
            matches.append({"theme": theme, "via_theme": via, "relation": types[r],
                            "basis": "stated" if basis is None else str(basis), "role": roles[r],
                            "since": since[r], "until": until[r]})  # fmt: skip
    matches.sort(key=lambda m: (m["theme"], m["via_theme"], m["relation"], m["role"] or ""))
    themes = [theme for j, theme in enumerate(requested) if matched >> j & 1]
    return {"entity": p.entity(actor), "themes": themes, "matches": matches}


def _own_mask(at: View, store: GraphStore, key: str | None, as_of: dt.date | None) -> npt.NDArray[np.bool_]:
    """Per entity of the projection: the home city or one of its units (kept with the projection)."""
    p = at.projection
    own = np.zeros(len(p.keys), dtype=bool)
    inside = at.get(("home_and_units", key, as_of), lambda _: sorted(_home_and_units(store, key, as_of)))
    own[[p.index[k] for k in inside if k in p.index]] = True
    return own


def _home_key(store: GraphStore, home: str | None, at: View | None = None) -> str | None:
    if not home:
        return None
    try:
        found = resolve(store, home, kinds=[HOME_KIND], at=at)
    except LookupError:
        return None  # a graph without the home city: nothing is left out on that ground
    return found.entity.key if found.by != "search" else None  # never a city merely named alike


def _home_and_units(store: GraphStore, key: str | None, as_of: dt.date | None) -> set[str]:
    """The home city and everything PART_OF it, at any depth (its units, companies, divisions)."""
    if key is None:
        return set()
    inside: dict[str, set[str]] = {}
    for link in relations_of_type(store, PART_OF, as_of):
        inside.setdefault(link.end.key, set()).add(link.start.key)
    seen, todo = {key}, [key]
    while todo:
        for part in inside.get(todo.pop(), ()):
            if part not in seen:
                seen.add(part)
                todo.append(part)
    return seen
