"""Partners by themes: who works on all (or any) of the given themes, sub-themes included.

"Works on" is one of the theme links (TOUCHES, KEY_ACTOR_FOR, LEADS) into the theme or into any
theme below it; each answer lists the relations and themes that made it match, so a user can see
*why* an actor is on the list (e.g. it touches MaaS, which sits under Smart City).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef, QuestionError, check_kinds
from questions.themes import THEME, theme_closure, theme_links


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


def partners_by_themes(
    store: GraphStore,
    themes: Iterable[str],
    *,
    mode: Literal["all", "any"] = "all",
    kinds: Iterable[str] | None = None,
    as_of: dt.date | None = None,
) -> PartnersAnswer:
    """Entities linked to every (`all`) or some (`any`) requested theme; most themes matched first."""
    if mode not in ("all", "any"):
        raise QuestionError("mode must be 'all' or 'any'")
    wanted_kinds = set(check_kinds(store.schema, kinds))
    closure = theme_closure(store, themes, as_of)
    if not closure:
        raise QuestionError("name at least one theme")
    asked_for: dict[str, set[str]] = {}  # linked theme -> the requested themes it stands for
    for theme, family in closure.items():
        for member in family:
            asked_for.setdefault(member, set()).add(theme)
    found: dict[str, tuple[EntityRef, list[ThemeMatch]]] = {}
    for link in theme_links(store, asked_for, as_of):
        if link.actor.kind == THEME or (wanted_kinds and link.actor.kind not in wanted_kinds):
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
    partners = []
    for entity, matches in found.values():
        matched = {m.theme for m in matches}
        if matched == set(closure) if mode == "all" else matched:
            ordered = sorted(matches, key=lambda m: (m.theme, m.via_theme, m.relation, m.role or ""))
            partners.append(Partner(entity=entity, themes=sorted(matched), matches=ordered))
    partners.sort(key=lambda p: (-len(p.themes), -len(p.matches), p.entity.key))
    return PartnersAnswer(themes=sorted(closure), mode=mode, partners=partners)
