"""Partners by themes: who works on all (or any) of the given themes, sub-themes included."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef, holds
from questions.themes import theme_closure


class ThemeMatch(BaseModel):
    theme: str  # the theme asked for
    via_theme: str  # the theme actually linked: the one asked for or one of its sub-themes
    relation: str  # TOUCHES, KEY_ACTOR_FOR or LEADS
    basis: str


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
    themes: list[str],
    *,
    mode: Literal["all", "any"] = "all",
    kinds: list[str] | None = None,
    as_of: dt.date | None = None,
) -> PartnersAnswer:
    closure = theme_closure(store, themes)
    asked_for: dict[str, set[str]] = {}
    for theme, members in closure.items():
        for member in members:
            asked_for.setdefault(member, set()).add(theme)
    found: dict[str, tuple[EntityRef, list[ThemeMatch]]] = {}
    for row in store.read("q_theme_links", {"themes": sorted(asked_for)}):
        if row["kind"] == "Theme" or (kinds and row["kind"] not in kinds) or not holds(row["props"], as_of):
            continue
        entity, matches = found.setdefault(
            row["key"],
            (EntityRef(key=row["key"], kind=row["kind"], name_fi=row["name_fi"], name_en=row["name_en"]), []),
        )
        for theme in sorted(asked_for[row["theme"]]):
            basis = row["props"].get("basis", "stated")
            matches.append(ThemeMatch(theme=theme, via_theme=row["theme"], relation=row["type"], basis=basis))
    wanted = set(closure)
    partners = []
    for entity, matches in found.values():
        matched = {m.theme for m in matches}
        if matched == wanted if mode == "all" else matched:
            ordered = sorted(matches, key=lambda m: (m.theme, m.via_theme, m.relation))
            partners.append(Partner(entity=entity, themes=sorted(matched), matches=ordered))
    partners.sort(key=lambda p: (-len(p.themes), -len(p.matches), p.entity.key))
    return PartnersAnswer(themes=sorted(wanted), mode=mode, partners=partners)
