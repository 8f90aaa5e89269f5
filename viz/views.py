"""Maps of the questions' answers: ask a question (questions/), draw its subgraph (viz.maps).

Shared by the API's map routes and `partnergraph map …`; only which subgraph to draw and what to
highlight is decided here. Unknown keys raise `NotFound`, impossible requests `QuestionError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from graph.model import display_name
from graph.store import GraphStore
from i18n import N_, translator
from questions.neighbourhood import neighbourhood
from questions.partners import partners_by_themes
from questions.paths import paths
from questions.resolve import Resolution
from questions.themes import theme_overview
from viz.maps import DEFAULT_NODE_CAP, MapData, MapOptions, build_map, keep_relations

# The neighbourhood question's own notice (questions.neighbourhood), in the page's language.
TRUNCATED = N_(
    "The neighbourhood has more than {cap} entities; showing the {cap} nearest. "
    "Narrow it by kind or theme, or lower the depth."
)


def neighbourhood_map(
    store: GraphStore,
    keys: list[str],
    *,
    depth: int = 1,
    kinds: list[str] | None = None,
    themes: list[str] | None = None,
    as_of: dt.date | None = None,
    node_cap: int = DEFAULT_NODE_CAP,
    language: str = "en",
) -> MapData:
    """The entities within `depth` relations of `keys` (the seeds are highlighted)."""
    _ = translator(language)
    found = neighbourhood(store, keys, depth=depth, kinds=kinds, themes=themes or None, as_of=as_of, node_cap=node_cap)
    names = ", ".join(_name(found.graph, k, language) for k in found.answer.seeds)
    data = build_map(
        found.graph,
        title=_("Neighbourhood of {names}", names=names),
        subtitle=(
            _("depth {depth}, as of {date}", depth=depth, date=as_of.isoformat())
            if as_of
            else _("depth {depth}", depth=depth)
        ),
        highlight=found.answer.seeds,
        options=MapOptions(node_cap=node_cap, language=language),
        notice=_(TRUNCATED, cap=node_cap) if found.answer.truncated else None,
    )
    return _resolved(data, found.answer.resolved)


def themes_map(
    store: GraphStore,
    themes: list[str],
    *,
    mode: Literal["all", "any"] = "any",
    kinds: list[str] | None = None,
    as_of: dt.date | None = None,
    node_cap: int = DEFAULT_NODE_CAP,
    language: str = "en",
) -> MapData:
    """The partners working on the themes (`all` of them or `any`), the themes and their sub-themes."""
    _ = translator(language)
    answer = partners_by_themes(store, themes, mode=mode, kinds=kinds, as_of=as_of)
    theme_keys = set(answer.themes) | {m.via_theme for p in answer.partners for m in p.matches}
    partner_keys = {p.entity.key for p in answer.partners}
    graph = store.snapshot(theme_keys | partner_keys, as_of=as_of)
    names = ", ".join(_name(graph, t, language) for t in answer.themes)
    count = len(partner_keys)
    why = {
        p.entity.key: [
            {
                "theme": m.theme,
                "theme_name": _name(graph, m.theme, language),
                "via_theme": m.via_theme,
                "via_name": _name(graph, m.via_theme, language),
                "relation": m.relation,
                "basis": m.basis,
                "role": m.role,
            }
            for m in p.matches
        ]
        for p in answer.partners
    }
    data = build_map(
        graph,
        title=_("Partners for {names}", names=names),
        subtitle=(
            (_("1 partner working on all of them") if mode == "all" else _("1 partner working on any of them"))
            if count == 1
            else (
                _("{count} partners working on all of them", count=count)
                if mode == "all"
                else _("{count} partners working on any of them", count=count)
            )
        ),
        highlight=answer.themes,
        options=MapOptions(node_cap=node_cap, language=language),
        notice=None if partner_keys else _("No partners are linked to these themes (or their sub-themes)."),
        matches=why,
    )
    return _resolved(data, answer.resolved)


def overview_map(store: GraphStore, *, node_cap: int = DEFAULT_NODE_CAP, language: str = "en") -> MapData:
    """Every theme and sub-theme, sized by how many entities work on it."""
    _ = translator(language)
    overview = theme_overview(store)
    graph = store.snapshot([t.key for t in overview.themes])
    weights = {t.key: float(t.direct_links) for t in overview.themes}
    return build_map(
        graph,
        title=_("Themes"),
        subtitle=_("sized by the entities working on each; pick themes to map their partners"),
        options=MapOptions(node_cap=node_cap, language=language),
        weights=weights,
        size_label=_("entities working on each theme"),
    )


def paths_map(
    store: GraphStore,
    start: str,
    end: str,
    *,
    max_hops: int = 4,
    limit: int = 5,
    as_of: dt.date | None = None,
    language: str = "en",
) -> MapData:
    """The shortest paths between two entities: their nodes and the relations they step along."""
    _ = translator(language)
    answer = paths(store, start, end, max_hops=max_hops, limit=limit, as_of=as_of)
    start, end = answer.start, answer.end  # the keys the names given resolved to
    keys = {n.key for p in answer.paths for n in p.nodes} or {start, end}
    steps = {(s.start, s.end, t) for p in answer.paths for s in p.steps for t in s.types}
    graph = keep_relations(store.snapshot(keys, as_of=as_of), steps)
    hops = answer.paths[0].hops if answer.paths else 0
    data = build_map(
        graph,
        title=_("Paths from {start} to {end}", start=_name(graph, start, language), end=_name(graph, end, language)),
        subtitle=_("{count} shortest path(s) of {hops} step(s)", count=len(answer.paths), hops=hops)
        if answer.paths
        else None,
        highlight=[start, end],
        options=MapOptions(language=language),
        notice=None if answer.paths else _("No path of at most {hops} steps links them.", hops=max_hops),
    )
    return _resolved(data, answer.resolved)


def _resolved(data: MapData, resolutions: list[Resolution]) -> MapData:
    """The map says what the names it was asked for were read as."""
    data.resolved = [r.model_dump(mode="json") for r in resolutions]
    return data


def _name(graph: Any, key: str, language: str = "en") -> str:
    data = graph.nodes[key] if key in graph else {}
    return display_name({**data, "key": key}, language)
