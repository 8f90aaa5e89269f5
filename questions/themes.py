"""Themes and their sub-themes: what partners-by-themes and the maps expand a theme into."""

from __future__ import annotations

from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import NotFound


def theme_closure(store: GraphStore, themes: list[str]) -> dict[str, set[str]]:
    """Each requested theme key mapped to itself and every theme below it."""
    rows = store.read("q_theme_subthemes", {"themes": sorted(set(themes))})
    found = {row["theme"]: {row["theme"], *row["subthemes"]} for row in rows}
    missing = sorted(set(themes) - set(found))
    if missing:
        raise NotFound(f"no theme with key {', '.join(repr(m) for m in missing)}")
    return found


class ThemeSummary(BaseModel):
    key: str
    name_fi: str | None = None
    name_en: str | None = None
    theme_type: str | None = None
    parents: list[str] = []
    direct_links: int  # entities that touch, lead or are key actors for exactly this theme


class ThemeOverview(BaseModel):
    themes: list[ThemeSummary]


def theme_overview(store: GraphStore) -> ThemeOverview:
    graph = store.snapshot()
    out = []
    for key, data in sorted(graph.nodes(data=True)):
        if data.get("kind") != "Theme":
            continue
        parents = sorted(v for _, v, d in graph.out_edges(key, data=True) if d["type"] == "SUBTHEME_OF")
        links = {u for u, _, d in graph.in_edges(key, data=True) if d["type"] in ("TOUCHES", "KEY_ACTOR_FOR", "LEADS")}
        out.append(
            ThemeSummary(
                key=key,
                name_fi=data.get("name_fi"),
                name_en=data.get("name_en"),
                theme_type=data.get("theme_type"),
                parents=parents,
                direct_links=len(links),
            )
        )
    return ThemeOverview(themes=out)
