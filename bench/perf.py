"""How long a large map takes to open and become interactive in headless Chromium.

`time_to_interactive()` writes a standalone map of a synthetic graph (default 2,000 nodes, about
two relations per node, every kind and relation type), opens it as a file:// URL and measures:

- `build_s`: networkx layout + pyvis options + template rendering, in Python;
- `ready_ms`: from navigation start until the first frame is drawn with every handler attached
  (map.js sets `window.__pgTimings.ready`); with physics off above the limit this is the moment a
  user can pan, zoom, hover and click;
- `click_ms`: from a real mouse click on a node to its details panel showing.

Playwright is a dev dependency and Chromium a system package, so both are imported/located lazily;
the benchmarks (and a browser test) call this.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from graph.schema import Schema, load_schema
from viz.maps import MapOptions, build_map, render_map

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class Interactive:
    nodes: int
    edges: int
    build_s: float
    html_bytes: int
    ready_ms: float
    click_ms: float
    outside_requests: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def synthetic_graph(nodes: int = 2_000, seed: int = 7, schema: Schema | None = None) -> nx.MultiDiGraph[str]:
    """A random graph shaped like ours: kinds and relation types from the schema, endpoints the
    relation type allows, a few hubs (preferential attachment), a provenance quote per node."""
    schema = schema or load_schema()
    rng = random.Random(seed)
    kinds = list(schema.node_kinds)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    by_kind: dict[str, list[str]] = {k: [] for k in kinds}
    for i in range(nodes):
        kind = kinds[i % len(kinds)]
        key = f"{kind.lower()}-{i}"
        by_kind[kind].append(key)
        graph.add_node(
            key,
            key=key,
            kind=kind,
            name_en=f"{kind} {i}",
            name_fi=f"{kind} {i} (fi)",
            sources=[{"doc": "synthetic", "section": str(i % 17), "quote": f"Synthetic quote {i}."}],
        )
    rel_types = list(schema.relation_types.values())
    degree: dict[str, int] = dict.fromkeys(graph.nodes, 1)
    for i in range(nodes * 2):
        rel = rel_types[i % len(rel_types)]
        starts = [k for kind in rel.sources for k in by_kind[kind]]
        ends = [k for kind in rel.targets for k in by_kind[kind]]
        start = rng.choice(starts)
        end = rng.choices(ends, weights=[degree[e] for e in ends])[0]
        if start == end:
            continue
        degree[end] += 1
        rel_key = f"{start}|{rel.name}|{end}|{i}"
        graph.add_edge(start, end, key=rel_key, type=rel.name, rel_key=rel_key, basis="stated", sources=[])
    return graph


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("Debian's chromium is not installed (tools/ensure-chromium.sh installs it)")
    return path


def time_to_interactive(
    nodes: int = 2_000,
    *,
    seed: int = 7,
    options: MapOptions | None = None,
    timeout_ms: float = 120_000,
    browser: Any = None,
) -> Interactive:
    """Open a standalone map of a synthetic `nodes`-node graph in headless Chromium and time it.
    Pass a Playwright `browser` to reuse one; otherwise Chromium is launched for this call."""
    graph = synthetic_graph(nodes, seed)
    started = time.perf_counter()
    data = build_map(graph, title=f"{nodes:,} nodes", options=options or MapOptions(node_cap=max(nodes, 1)))
    html = render_map(data, standalone=True)
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large-map.html"
        path.write_text(html, encoding="utf-8")
        if browser is not None:
            ready_ms, click_ms, outside = _measure(browser, path.as_uri(), timeout_ms)
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                launched = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
                try:
                    ready_ms, click_ms, outside = _measure(launched, path.as_uri(), timeout_ms)
                finally:
                    launched.close()
    return Interactive(
        nodes=len(data.nodes),
        edges=len(data.edges),
        build_s=round(build_s, 3),
        html_bytes=len(html.encode()),
        ready_ms=round(ready_ms, 1),
        click_ms=round(click_ms, 1),
        outside_requests=outside,
    )


def offline_page(context: Any) -> tuple[Any, list[str]]:
    """A page of `context` that may load only file: URLs; every other request is aborted and listed."""
    outside: list[str] = []

    def route(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page = context.new_page()
    page.route("**/*", route)
    return page, outside


def _measure(browser: Any, url: str, timeout_ms: float) -> tuple[float, float, int]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page, outside = offline_page(context)
        page.goto(url)
        page.wait_for_function("() => window.__pgReady === true", timeout=timeout_ms)
        ready_ms = float(page.evaluate("window.__pgTimings.ready"))
        # A real click on the most connected node: time until its details panel shows its name.
        key, x, y = page.evaluate(
            """() => {
                const net = window.network;
                const ids = net.body.data.nodes.getIds();
                let best = ids[0], most = -1;
                for (const id of ids) {
                    const n = net.getConnectedEdges(id).length;
                    if (n > most) { most = n; best = id; }
                }
                net.moveTo({position: net.getPosition(best), scale: 1.0});
                const dom = net.canvasToDOM(net.getPosition(best));
                const box = document.getElementById('pg-network').getBoundingClientRect();
                // the node drawn on top at that point is the one a click selects
                return [net.getNodeAt(dom) || best, box.left + dom.x, box.top + dom.y];
            }"""
        )
        page.wait_for_timeout(50)
        page.evaluate("window.__pgClickAt = performance.now()")
        page.mouse.click(x, y)
        page.wait_for_function(
            "k => { const d = document.querySelector('#pg-details .pg-key'); return d && d.textContent === k; }",
            arg=key,
            timeout=timeout_ms,
        )
        click_ms = float(page.evaluate("performance.now() - window.__pgClickAt"))
    finally:
        context.close()
    return ready_ms, click_ms, len(outside)


if __name__ == "__main__":  # pragma: no cover - `python -m bench.perf [nodes]`
    import json
    import sys

    print(json.dumps(time_to_interactive(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000).as_dict(), indent=2))
