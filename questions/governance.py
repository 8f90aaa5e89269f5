"""Governance checks the policy asks for, and the gaps worth a curator's look.

- Memberships without owner: "Kaikilla verkostojäsenyyksillä tulee olla kaupungilla selkeä
  omistaja" (every network membership must have a clear owner in the city). A membership is a
  MEMBER_OF from a city or organisation to a network; it has an owner when someone holds an
  OWNS_MEMBERSHIP into that network. A membership whose every owner is only *inferred* (the
  curator's reading, no source names the owner) is reported as such: it has no clear owner yet.
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
from questions.reads import Link, relations_of_type
from questions.resolve import Resolution, resolve
from questions.themes import THEME, load_tree, theme_links

PARTNER_KINDS = ("City", "Organisation", "Network")
MEMBER_KINDS = ("City", "Organisation")


class Membership(BaseModel):
    member: EntityRef
    network: EntityRef
    basis: str = "stated"  # of the MEMBER_OF itself


class InferredOwnership(Membership):
    """A membership whose owners are all inferred: the document names none."""

    owners: list[EntityRef]
    owner_basis: str = "inferred"


class GovernanceAnswer(BaseModel):
    home: str
    memberships_without_owner: list[Membership]
    memberships_with_inferred_owner: list[InferredOwnership] = []
    themes_without_partners: list[EntityRef]
    partners_without_theme: list[EntityRef]
    themes_only_home: list[EntityRef] = []
    as_of: dt.date | None = None
    resolved: Resolution | None = None  # how the home asked for was read


def _ownership(
    store: GraphStore, members: list[Link], as_of: dt.date | None
) -> tuple[dict[tuple[str, str], Membership], dict[tuple[str, str], InferredOwnership]]:
    """Memberships with no owner, and those whose every owner is only inferred."""
    owners: dict[str, list[tuple[EntityRef, str]]] = {}
    for link in relations_of_type(store, "OWNS_MEMBERSHIP", as_of):
        owners.setdefault(link.end.key, []).append((link.start, str(link.props.get("basis", "stated"))))
    unowned: dict[tuple[str, str], Membership] = {}
    inferred: dict[tuple[str, str], InferredOwnership] = {}
    for link in members:
        if link.start.kind not in MEMBER_KINDS:
            continue
        basis = str(link.props.get("basis", "stated"))
        held = owners.get(link.end.key, [])
        if not held:
            unowned[(link.start.key, link.end.key)] = Membership(member=link.start, network=link.end, basis=basis)
        elif all(owner_basis == "inferred" for _, owner_basis in held):
            inferred[(link.start.key, link.end.key)] = InferredOwnership(
                member=link.start,
                network=link.end,
                basis=basis,
                owners=sorted({o.key: o for o, _ in held}.values(), key=lambda o: o.key),
            )
    return unowned, inferred


def governance(store: GraphStore, *, home: str = "helsinki", as_of: dt.date | None = None) -> GovernanceAnswer:
    """`home` is the city whose partners are checked (the document's: Helsinki); a key or a name."""
    resolution = resolve(store, home)
    home = resolution.entity.key
    members = relations_of_type(store, "MEMBER_OF", as_of)
    unowned, inferred = _ownership(store, members, as_of)
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
        memberships_without_owner=[m for _, m in sorted(unowned.items())],
        memberships_with_inferred_owner=[m for _, m in sorted(inferred.items())],
        themes_without_partners=nobody,
        partners_without_theme=lonely,
        themes_only_home=only_home,
        as_of=as_of,
        resolved=resolution,
    )
