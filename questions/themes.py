"""Themes and their sub-themes: what partners-by-themes, contacts and the maps expand a theme into,
and the theme overview.

Themes nest through SUBTHEME_OF, and a sub-theme may have several parents (smart mobility is
under both transport and Smart City). A question about a theme is also about its sub-themes at
any depth: its *family*. The hierarchy is small (tens of themes), so it is read whole and walked
in Python: no variable-length Cypher, whose semantics differ between the servers at the edges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import BaseModel

from graph.schema import load_schema
from graph.store import GraphStore, NotFound
from questions.columns import is_in
from questions.common import EntityRef, holds, row_ref
from questions.projection import Projection, View, view
from questions.reads import nodes_of_kind, relations_of_type

_SCHEMA = load_schema()  # the meaning of kinds and types is the schema's (graph/schema.yaml roles)
THEME = _SCHEMA.kind_with_role("theme")
SUBTHEME_OF = _SCHEMA.type_with_role("sub_theme")
# How an actor works on a theme (touches it, is a key actor for it, leads it); not CONTACT_FOR: a
# contact person is not a partner (questions.contacts answers who they are).
THEME_LINKS = _SCHEMA.types_with_role("theme_link")


@dataclass
class ThemeTree:
    """Every theme with its parents and children, as of a date."""

    themes: dict[str, EntityRef] = field(default_factory=dict)
    theme_types: dict[str, str | None] = field(default_factory=dict)
    parents: dict[str, set[str]] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)

    def family(self, key: str) -> set[str]:
        """The theme and all its descendants; a cycle in the data cannot make this loop."""
        seen, todo = {key}, [key]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen


def load_tree(store: GraphStore, as_of: dt.date | None = None) -> ThemeTree:
    tree = ThemeTree()
    for props in nodes_of_kind(store, THEME):
        key = props["key"]
        tree.themes[key] = EntityRef(
            key=key,
            kind=THEME,
            name_fi=props.get("name_fi"),
            name_en=props.get("name_en"),
            name_sv=props.get("name_sv"),
        )
        tree.theme_types[key] = props.get("theme_type")
    for link in relations_of_type(store, SUBTHEME_OF, as_of):
        tree.parents.setdefault(link.start.key, set()).add(link.end.key)
        tree.children.setdefault(link.end.key, set()).add(link.start.key)
    return tree


def theme_tree(store: GraphStore, as_of: dt.date | None = None, *, at: View | None = None) -> ThemeTree:
    """`load_tree`, kept with the projection until the database's change counter moves (one read
    of the counter; `at`: a view already read). Shared: callers must not change it."""
    return (at or view(store)).get(("theme_tree", as_of), lambda _: load_tree(store, as_of))


def closure_in(tree: ThemeTree, themes: Iterable[str]) -> dict[str, set[str]]:
    """Each requested theme key mapped to itself and every theme below it, in `tree`."""
    wanted = sorted(set(themes))
    missing = [t for t in wanted if t not in tree.themes]
    if missing:
        raise NotFound(f"no theme with key {', '.join(repr(m) for m in missing)}")
    return {theme: tree.family(theme) for theme in wanted}


def theme_closure(store: GraphStore, themes: Iterable[str], as_of: dt.date | None = None) -> dict[str, set[str]]:
    """Each requested theme key mapped to itself and every theme below it."""
    return closure_in(theme_tree(store, as_of), themes)


@dataclass(frozen=True)
class ThemeLink:
    """An actor's relation into one theme."""

    actor: EntityRef
    theme: str
    type: str
    props: dict[str, Any]


def theme_links(store: GraphStore, themes: Iterable[str] | None, as_of: dt.date | None = None) -> list[ThemeLink]:
    """The THEME_LINKS relations into the given themes (every theme when None) valid on `as_of`."""
    for name in THEME_LINKS:
        store.schema.relation_type(name)  # a schema without one of them is a bug: fail loudly
    if themes is None:
        rows = store.read("q_theme_links_all", {"types": list(THEME_LINKS)})
    else:
        rows = store.read("q_theme_links", {"types": list(THEME_LINKS), "themes": sorted(set(themes))})
    links = [
        ThemeLink(row_ref(row), row["theme"], row["type"], row["props"]) for row in rows if holds(row["props"], as_of)
    ]
    return sorted(links, key=lambda link: (link.actor.key, link.theme, link.type, str(link.props.get("key", ""))))


def _link_index(p: Projection) -> npt.NDArray[np.int64]:
    """Every theme link of the projection (a THEME_LINKS relation into a theme), in the order
    `theme_links` sorts them: actor, theme, type, relation key (keys and types are indexed in
    sorted order, so their indices sort as their texts do)."""
    types = [i for i, name in enumerate(p.type_names) if name in THEME_LINKS]
    theme_kinds = [i for i, name in enumerate(p.kind_names) if name == THEME]
    rels = np.flatnonzero(
        is_in(p.type_ids, types, len(p.type_names)) & is_in(p.kind_ids[p.ends], theme_kinds, len(p.kind_names))
    )
    order = np.lexsort((p.key_rank(rels), p.type_ids[rels], p.ends[rels], p.starts[rels]))
    return np.asarray(rels[order], dtype=np.int64)


def link_rels(at: View, as_of: dt.date | None) -> npt.NDArray[np.int64]:
    """The projection's theme links that hold on `as_of`, as `theme_links(store, None, as_of)`
    lists them (relation ids; actors are their starts, themes their ends)."""
    return at.projection.held(at.get("theme_links", _link_index), as_of)


def family_counts(
    at: View, tree: ThemeTree, rels: npt.NDArray[np.int64]
) -> tuple[list[str], npt.NDArray[np.int64], sp.csr_matrix]:
    """The tree's themes in key order, how many distinct actors link to each directly (through
    `rels`), and which actors link to each theme's family (a themes × entities matrix, one stored
    1 per pair, columns in ascending order)."""
    p = at.projection
    order = sorted(tree.themes)
    row = np.full(len(p.keys), -1, dtype=np.int64)
    for i, key in enumerate(order):
        if key in p.index:
            row[p.index[key]] = i
    rows, cols = row[p.ends[rels]], p.starts[rels].astype(np.int64)
    inside = rows >= 0
    direct = sp.csr_matrix(
        (np.ones(int(inside.sum()), dtype=np.int32), (rows[inside], cols[inside])), shape=(len(order), len(p.keys))
    )
    direct.sum_duplicates()
    direct.data[:] = 1
    position = {key: i for i, key in enumerate(order)}
    f_rows, f_cols = [], []
    for i, key in enumerate(order):
        for member in tree.family(key):
            if member in position:
                f_rows.append(i)
                f_cols.append(position[member])
    family = sp.csr_matrix((np.ones(len(f_rows), dtype=np.int32), (f_rows, f_cols)), shape=(len(order), len(order)))
    total = sp.csr_matrix(family @ direct)
    total.sum_duplicates()
    total.sort_indices()
    return order, np.diff(direct.indptr), total


class ThemeSummary(BaseModel):
    key: str
    name_fi: str | None = None
    name_en: str | None = None
    theme_type: str | None = None
    parents: list[str] = []
    children: list[str] = []
    direct_links: int  # entities that touch, lead or are key actors for exactly this theme
    total_links: int = 0  # the same for the theme or any of its sub-themes, each entity counted once


class ThemeOverview(BaseModel):
    themes: list[ThemeSummary]
    roots: list[str] = []  # themes under no other theme (megatrends, focus areas, goals)


def theme_overview(store: GraphStore, *, as_of: dt.date | None = None) -> ThemeOverview:
    """Every theme with its place in the hierarchy and how many entities work on it: from the
    projection's theme links and the kept theme tree (`theme_overview_in_database` is the plain
    reference, asked of the database)."""
    at = view(store)
    tree = theme_tree(store, as_of, at=at)
    order, direct, total = at.get(
        ("family_counts", "all", as_of), lambda _: family_counts(at, tree, link_rels(at, as_of))
    )
    totals = np.diff(total.indptr).tolist()
    themes = []
    for i, key in enumerate(order):
        themes.append(
            ThemeSummary(
                key=key,
                name_fi=tree.themes[key].name_fi,
                name_en=tree.themes[key].name_en,
                theme_type=tree.theme_types[key],
                parents=sorted(tree.parents.get(key, ())),
                children=sorted(tree.children.get(key, ())),
                direct_links=int(direct[i]),
                total_links=totals[i],
            )
        )
    return ThemeOverview(themes=themes, roots=[t.key for t in themes if not t.parents])


def theme_overview_in_database(store: GraphStore, *, as_of: dt.date | None = None) -> ThemeOverview:
    """`theme_overview` asked of the database: the plain reference the fast path is tested against."""
    tree = load_tree(store, as_of)
    actors: dict[str, set[str]] = {}
    for link in theme_links(store, None, as_of):
        actors.setdefault(link.theme, set()).add(link.actor.key)
    themes = []
    for key, theme in sorted(tree.themes.items()):
        family = set().union(*(actors.get(t, set()) for t in tree.family(key)))
        themes.append(
            ThemeSummary(
                key=key,
                name_fi=theme.name_fi,
                name_en=theme.name_en,
                theme_type=tree.theme_types[key],
                parents=sorted(tree.parents.get(key, ())),
                children=sorted(tree.children.get(key, ())),
                direct_links=len(actors.get(key, ())),
                total_links=len(family),
            )
        )
    return ThemeOverview(themes=themes, roots=[t.key for t in themes if not t.parents])


def list_themes(store: GraphStore) -> list[EntityRef]:
    """Every theme, by key: what a theme picker offers."""
    return [
        EntityRef(
            key=props["key"],
            kind=THEME,
            name_fi=props.get("name_fi"),
            name_en=props.get("name_en"),
            name_sv=props.get("name_sv"),
        )
        for props in nodes_of_kind(store, THEME)
    ]
