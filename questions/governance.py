"""Governance checks the policy asks for, and the gaps worth a curator's look.

- Memberships without owner: "Kaikilla verkostojäsenyyksillä tulee olla kaupungilla selkeä
  omistaja" (every network membership must have a clear owner in the city). A membership is a
  MEMBER_OF from a city or organisation to a network; it has an owner when someone holds an
  OWNS_MEMBERSHIP into that network.
- Themes without partners: no one works on the theme or on any of its sub-themes (TOUCHES,
  KEY_ACTOR_FOR or LEADS); `themes_only_home` lists those only the home city itself works on.
- Partners without theme: cities, organisations and networks linked to the home city by
  PARTNER_OF (either way) or by its MEMBER_OF, that work on no theme at all.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef
from questions.reads import relations_of_type
from questions.themes import THEME, load_tree, theme_links

PARTNER_KINDS = ("City", "Organisation", "Network")
MEMBER_KINDS = ("City", "Organisation")


class Membership(BaseModel):
    member: EntityRef
    network: EntityRef


class GovernanceAnswer(BaseModel):
    home: str
    memberships_without_owner: list[Membership]
    themes_without_partners: list[EntityRef]
    partners_without_theme: list[EntityRef]
    themes_only_home: list[EntityRef] = []
    as_of: dt.date | None = None


def governance(store: GraphStore, *, home: str = "helsinki", as_of: dt.date | None = None) -> GovernanceAnswer:
    """`home` is the city whose partners are checked (the document's: Helsinki)."""
    members = relations_of_type(store, "MEMBER_OF", as_of)
    owned = {link.end.key for link in relations_of_type(store, "OWNS_MEMBERSHIP", as_of)}
    unowned = sorted(
        {
            (link.start.key, link.end.key): Membership(member=link.start, network=link.end)
            for link in members
            if link.start.kind in MEMBER_KINDS and link.end.key not in owned
        }.items()
    )
    tree = load_tree(store, as_of)
    links = theme_links(store, None, as_of)
    workers: dict[str, set[str]] = {}
    for theme_link in links:
        if theme_link.actor.kind != THEME:
            workers.setdefault(theme_link.theme, set()).add(theme_link.actor.key)
    nobody, only_home = [], []
    for key, theme in sorted(tree.themes.items()):
        family_workers = set().union(*(workers.get(t, set()) for t in tree.family(key)))
        if not family_workers:
            nobody.append(theme)
        elif family_workers == {home}:
            only_home.append(theme)
    partners: dict[str, EntityRef] = {}
    for link in relations_of_type(store, "PARTNER_OF", as_of):
        if home in (link.start.key, link.end.key):
            other = link.end if link.start.key == home else link.start
            partners[other.key] = other
    for link in members:
        if link.start.key == home:
            partners[link.end.key] = link.end
    with_theme = {theme_link.actor.key for theme_link in links}
    lonely = [p for k, p in sorted(partners.items()) if p.kind in PARTNER_KINDS and k not in with_theme]
    return GovernanceAnswer(
        home=home,
        memberships_without_owner=[m for _, m in unowned],
        themes_without_partners=nobody,
        partners_without_theme=lonely,
        themes_only_home=only_home,
        as_of=as_of,
    )
