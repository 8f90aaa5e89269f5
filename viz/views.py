"""Maps of the questions' answers: ask a question (questions/), draw its subgraph (viz.maps).

Shared by the API's map routes and `partnergraph map …`; only which subgraph to draw and what to
highlight is decided here. Unknown keys raise `NotFound`, impossible requests `QuestionError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from graph.store import GraphStore
from questions.neighbourhood import neighbourhood
from questions.partners import partners_by_themes
from questions.paths import paths
from questions.resolve import Resolution
from questions.themes import theme_overview
from viz.maps import DEFAULT_NODE_CAP, MapData, MapOptions, build_map, keep_relations


def neighbourhood_map(
    store: GraphStore,
    keys: list[str],
    *,
    depth: int = 1,
    kinds: list[str] | None = None,
    themes: list[str] | None = None,
    as_of: dt.date | None = None,
    node_cap: int = DEFAULT_NODE_CAP,
) -> MapData:
    """The entities within `depth` relations of `keys` (the seeds are highlighted)."""
    found = neighbourhood(store, keys, depth=depth, kinds=kinds, themes=themes or None, as_of=as_of, node_cap=node_cap)
    names = ", ".join(_name(found.graph, k) for k in found.answer.seeds)
    data = build_map(
        found.graph,
        title=f"Neighbourhood of {names}",
        subtitle=f"depth {depth}" + (f", as of {as_of.isoformat()}" if as_of else ""),
        highlight=found.answer.seeds,
        options=MapOptions(node_cap=node_cap),
        notice=found.answer.message,
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
) -> MapData:
    """The partners working on the themes (`all` of them or `any`), the themes and their sub-themes."""
    answer = partners_by_themes(store, themes, mode=mode, kinds=kinds, as_of=as_of)
    theme_keys = set(answer.themes) | {m.via_theme for p in answer.partners for m in p.matches}
    partner_keys = {p.entity.key for p in answer.partners}
    graph = store.snapshot(theme_keys | partner_keys, as_of=as_of)
    names = ", ".join(_name(graph, t) for t in answer.themes)
    count = len(partner_keys)
    why = {
        p.entity.key: [
            {
                "theme": m.theme,
                "theme_name": _name(graph, m.theme),
                "via_theme": m.via_theme,
                "via_name": _name(graph, m.via_theme),
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
        title=f"Partners for {names}",
        subtitle=f"{count} partner{'s' if count != 1 else ''} working on {'all' if mode == 'all' else 'any'} of them",
        highlight=answer.themes,
        options=MapOptions(node_cap=node_cap),
        notice=None if partner_keys else "No partners are linked to these themes (or their sub-themes).",
        matches=why,
    )
    return _resolved(data, answer.resolved)


def overview_map(store: GraphStore, *, node_cap: int = DEFAULT_NODE_CAP) -> MapData:
    """Every theme and sub-theme, sized by how many entities work on it."""
    overview = theme_overview(store)
    graph = store.snapshot([t.key for t in overview.themes])
    weights = {t.key: float(t.direct_links) for t in overview.themes}
    return build_map(
        graph,
        title="Themes",
        subtitle="sized by the entities working on each; pick themes to map their partners",
        options=MapOptions(node_cap=node_cap),
        weights=weights,
        size_label="entities working on each theme",
    )


def paths_map(
    store: GraphStore,
    start: str,
    end: str,
    *,
    max_hops: int = 4,
    limit: int = 5,
    as_of: dt.date | None = None,
) -> MapData:
    """The shortest paths between two entities: their nodes and the relations they step along."""
    answer = paths(store, start, end, max_hops=max_hops, limit=limit, as_of=as_of)
    start, end = answer.start, answer.end  # the keys the names given resolved to
    keys = {n.key for p in answer.paths for n in p.nodes} or {start, end}
    steps = {(s.start, s.end, t) for p in answer.paths for s in p.steps for t in s.types}
    graph = keep_relations(store.snapshot(keys, as_of=as_of), steps)
    hops = answer.paths[0].hops if answer.paths else 0
    data = build_map(
        graph,
        title=f"Paths from {_name(graph, start)} to {_name(graph, end)}",
        subtitle=f"{len(answer.paths)} shortest path(s) of {hops} step(s)" if answer.paths else None,
        highlight=[start, end],
        notice=None if answer.paths else f"No path of at most {max_hops} steps links them.",
    )
    return _resolved(data, answer.resolved)


def _resolved(data: MapData, resolutions: list[Resolution]) -> MapData:
    """The map says what the names it was asked for were read as."""
    data.resolved = [r.model_dump(mode="json") for r in resolutions]
    return data


def _name(graph: Any, key: str) -> str:
    data = graph.nodes[key] if key in graph else {}
    return str(data.get("name_en") or data.get("name_fi") or key)
