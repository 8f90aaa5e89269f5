"""Governance checks the policy asks for: every membership has an owner; themes and partners connect."""

from __future__ import annotations

from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef, ref

THEME_LINKS = ("TOUCHES", "KEY_ACTOR_FOR", "LEADS")
PARTNER_KINDS = ("City", "Organisation", "Network")


class Membership(BaseModel):
    member: EntityRef
    network: EntityRef


class GovernanceAnswer(BaseModel):
    home: str
    memberships_without_owner: list[Membership]
    themes_without_partners: list[EntityRef]
    partners_without_theme: list[EntityRef]


def governance(store: GraphStore, *, home: str = "helsinki") -> GovernanceAnswer:
    """`home` is the city whose partners are checked (the document's: Helsinki)."""
    graph = store.snapshot()
    typed = [(u, v, d["type"]) for u, v, d in graph.edges(data=True)]
    owned = {v for u, v, t in typed if t == "OWNS_MEMBERSHIP"}
    memberships = sorted({(u, v) for u, v, t in typed if t == "MEMBER_OF" and v not in owned})
    linked_themes = {v for u, v, t in typed if t in THEME_LINKS}
    children: dict[str, set[str]] = {}
    for u, v, t in typed:
        if t == "SUBTHEME_OF":
            children.setdefault(v, set()).add(u)

    def has_partner(theme: str, seen: frozenset[str] = frozenset()) -> bool:
        if theme in linked_themes:
            return True
        return any(has_partner(c, seen | {theme}) for c in children.get(theme, ()) if c not in seen)

    themes = sorted(k for k, d in graph.nodes(data=True) if d["kind"] == "Theme" and not has_partner(k))
    partners = {v for u, v, t in typed if u == home and t in ("PARTNER_OF", "MEMBER_OF")}
    partners |= {u for u, v, t in typed if v == home and t == "PARTNER_OF"}
    with_theme = {u for u, v, t in typed if t in THEME_LINKS}
    lonely = sorted(p for p in partners if graph.nodes[p]["kind"] in PARTNER_KINDS and p not in with_theme)
    return GovernanceAnswer(
        home=home,
        memberships_without_owner=[
            Membership(member=ref(u, graph.nodes[u]), network=ref(v, graph.nodes[v])) for u, v in memberships
        ],
        themes_without_partners=[ref(k, graph.nodes[k]) for k in themes],
        partners_without_theme=[ref(k, graph.nodes[k]) for k in lonely],
    )
