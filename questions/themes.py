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

from pydantic import BaseModel

from graph.store import GraphStore, NotFound
from questions.common import EntityRef, holds, row_ref
from questions.reads import nodes_of_kind, relations_of_type

THEME = "Theme"
SUBTHEME_OF = "SUBTHEME_OF"
# How an actor works on a theme: touches it, is a key actor for it, leads it. CONTACT_FOR is left
# out on purpose: a contact person is not a partner (questions.contacts answers who they are).
THEME_LINKS = ("TOUCHES", "KEY_ACTOR_FOR", "LEADS")


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


def theme_closure(store: GraphStore, themes: Iterable[str], as_of: dt.date | None = None) -> dict[str, set[str]]:
    """Each requested theme key mapped to itself and every theme below it."""
    tree = load_tree(store, as_of)
    wanted = sorted(set(themes))
    missing = [t for t in wanted if t not in tree.themes]
    if missing:
        raise NotFound(f"no theme with key {', '.join(repr(m) for m in missing)}")
    return {theme: tree.family(theme) for theme in wanted}


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
    """Every theme with its place in the hierarchy and how many entities work on it."""
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
