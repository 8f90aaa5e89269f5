"""Node positions, precomputed in Python so that large maps open without browser physics.

- small connected graphs (<= 60 nodes): Kamada-Kawai, igraph's (in C). networkx's, which this
  replaced, minimises the same energy with scipy from Python: on connected graphs of 9, 20 and 60
  nodes (medians of 30, same run) it took 3.4, 14 and 74 ms, igraph 0.12, 0.6 and 5.3 ms, and the
  layouts' stress stayed within 10% of each other (lower on some graphs, higher on others);
- larger: Fruchterman-Reingold forces with repulsion computed on a grid (exact between nodes in
  neighbouring cells, from cell centroids beyond), so one iteration costs about O(n * sqrt(n))
  instead of O(n^2). Measured on generated graphs (median of 5, same run, load 3.7): at 500 nodes
  networkx's `spring_layout` took 2,070 ms, igraph's Fruchterman-Reingold 286 ms and this 128 ms,
  with nodes as well spread (5th-percentile nearest neighbour 0.068, 0.084, 0.071 of the median
  edge); at 2,000 nodes igraph took 3,557 ms, or 204 ms on its own grid with nodes twice as
  crowded (0.013 against this one's 0.025, in 921 ms). So this stays hand-written.

Positions come back in pixels, scaled with the node count for roughly constant spacing.
"""

from __future__ import annotations

import math

import igraph
import networkx as nx
import numpy as np
import numpy.typing as npt

SMALL = 60
Array = npt.NDArray[np.float64]


def compute_layout(
    graph: nx.Graph[str] | nx.MultiDiGraph[str], seed: int = 7, iterations: int = 60
) -> dict[str, tuple[float, float]]:
    """Pixel positions for every node of `graph`; deterministic for a given seed."""
    n = graph.number_of_nodes()
    if n == 0:
        return {}
    if n == 1:
        return {str(next(iter(graph.nodes))): (0.0, 0.0)}
    simple: nx.Graph[str] = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    isolated = [v for v in simple.nodes if simple.degree(v) == 0]
    if isolated and len(isolated) < n:  # lay out the connected part; isolated nodes go in rows below
        simple.remove_nodes_from(isolated)
        placed = compute_layout(simple, seed, iterations)
        return {**placed, **_rows_below(placed, [str(v) for v in isolated])}
    nodes = list(simple.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    pairs = [(index[u], index[v]) for u, v in simple.edges()]
    if n <= SMALL and nx.is_connected(simple):  # from a circle, so deterministic without the seed
        pos = np.array(igraph.Graph(n=n, edges=pairs).layout_kamada_kawai().coords, dtype=float)
    else:
        edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        pos = grid_fruchterman_reingold(n, edges, seed=seed, iterations=iterations)
    pos = pos - pos.mean(axis=0)
    radius = float(np.percentile(np.sqrt((pos * pos).sum(axis=1)), 95)) or 1.0
    scale = (100.0 + 80.0 * math.sqrt(n)) / radius
    return {
        str(v): (round(float(x) * scale, 1), round(float(y) * scale, 1)) for v, (x, y) in zip(nodes, pos, strict=True)
    }


def layout_of(keys: list[str], pairs: list[tuple[str, str]], seed: int = 7) -> dict[str, tuple[float, float]]:
    """The layout of the nodes `keys` linked by `pairs` (pairs naming other keys are ignored)."""
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(keys)
    graph.add_edges_from((a, b) for a, b in pairs if a in graph and b in graph)
    return compute_layout(graph, seed)


def _rows_below(
    placed: dict[str, tuple[float, float]], keys: list[str], gap: float = 90.0
) -> dict[str, tuple[float, float]]:
    """Nodes without relations, in rows under the laid-out ones (force layouts fling them to a ring)."""
    xs = [x for x, _ in placed.values()] or [0.0]
    ys = [y for _, y in placed.values()] or [0.0]
    width = max(max(xs) - min(xs), gap * 8)
    per_row = max(int(width // gap), 1)
    left, top = (min(xs) + max(xs)) / 2 - (min(per_row, len(keys)) - 1) * gap / 2, max(ys) + gap * 1.5
    return {
        key: (round(left + (i % per_row) * gap, 1), round(top + (i // per_row) * gap, 1)) for i, key in enumerate(keys)
    }


def grid_fruchterman_reingold(n: int, edges: npt.NDArray[np.int64], *, seed: int = 7, iterations: int = 60) -> Array:
    """Fruchterman-Reingold in the unit square: attraction d^2/k along edges, repulsion k^2/d between
    nodes (exact within the 3x3 neighbouring grid cells, via centroids further away), a weak pull
    to the centre so components stay together, and a linearly cooling step."""
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    k = 1.0 / math.sqrt(n)
    k2 = k * k
    side = max(int(math.sqrt(n / 12)), 1)  # about a dozen nodes per cell balances near and far work
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    src, dst = (edges[:, 0], edges[:, 1]) if len(edges) else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    for _ in range(iterations):
        disp = _grid_repulsion(pos, side, k2)
        if len(src):
            delta = pos[src] - pos[dst]
            dist = np.sqrt((delta * delta).sum(axis=1))[:, None]
            pull = delta * dist / k
            disp -= _scatter(src, pull, n)
            disp += _scatter(dst, pull, n)
        disp -= (pos - pos.mean(axis=0)) * (1.0 * k * math.sqrt(n))  # gravity: isolated nodes stay near
        length = np.sqrt((disp * disp).sum(axis=1))
        step = np.minimum(length, temperature) / np.maximum(length, 1e-9)
        pos += disp * step[:, None]
        temperature -= cooling
    return pos


def _grid_repulsion(pos: Array, side: int, k2: float) -> Array:
    n = len(pos)
    x, y = pos[:, 0], pos[:, 1]
    low_x, low_y = x.min(), y.min()
    cx = np.minimum(((x - low_x) / max(x.max() - low_x, 1e-9) * side).astype(np.int64), side - 1)
    cy = np.minimum(((y - low_y) / max(y.max() - low_y, 1e-9) * side).astype(np.int64), side - 1)
    cell = cx * side + cy
    cells = side * side
    count = np.bincount(cell, minlength=cells)
    occupied = np.nonzero(count)[0]
    mass = count[occupied].astype(float)
    cen_x = np.bincount(cell, weights=x, minlength=cells)[occupied] / mass
    cen_y = np.bincount(cell, weights=y, minlength=cells)[occupied] / mass

    # Far field: every occupied cell that is not one of the node's 3x3 neighbours, as one mass.
    occ_x, occ_y = occupied // side, occupied % side
    near_cells = (np.abs(occ_x[:, None] - occ_x[None, :]) <= 1) & (np.abs(occ_y[:, None] - occ_y[None, :]) <= 1)
    far = ~near_cells[np.searchsorted(occupied, cell)]
    dx = (x[:, None] - cen_x[None, :]).astype(np.float32)
    dy = (y[:, None] - cen_y[None, :]).astype(np.float32)
    weight = (mass * k2).astype(np.float32)[None, :] / np.maximum(dx * dx + dy * dy, np.float32(1e-9))
    weight *= far
    disp_x = (dx * weight).sum(axis=1, dtype=float)
    disp_y = (dy * weight).sum(axis=1, dtype=float)

    # Near field: exact forces between pairs of nodes in the same or neighbouring cells, each
    # pair once (half of the 3x3 offsets plus i < j within a cell), applied to both nodes.
    order = np.argsort(cell, kind="stable")
    start = np.zeros(cells + 1, dtype=np.int64)
    np.cumsum(count, out=start[1:])
    for ox, oy in ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1)):
        tx, ty = cx + ox, cy + oy
        valid = (tx >= 0) & (tx < side) & (ty >= 0) & (ty < side)
        i_nodes = np.nonzero(valid)[0]
        other = tx[valid] * side + ty[valid]
        lo = start[other]
        sizes = start[other + 1] - lo
        total = int(sizes.sum())
        if not total:
            continue
        i_rep = np.repeat(i_nodes, sizes)
        j_rep = order[np.repeat(lo - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)]
        keep = i_rep < j_rep if (ox, oy) == (0, 0) else slice(None)
        i_rep, j_rep = i_rep[keep], j_rep[keep]
        ddx, ddy = x[i_rep] - x[j_rep], y[i_rep] - y[j_rep]
        f = k2 / np.maximum(ddx * ddx + ddy * ddy, 1e-9)
        fx, fy = ddx * f, ddy * f
        disp_x += np.bincount(i_rep, weights=fx, minlength=n) - np.bincount(j_rep, weights=fx, minlength=n)
        disp_y += np.bincount(i_rep, weights=fy, minlength=n) - np.bincount(j_rep, weights=fy, minlength=n)
    return np.stack([disp_x, disp_y], axis=1)


def _scatter(index: npt.NDArray[np.int64], values: Array, n: int) -> Array:
    """Row sums of `values` grouped by `index` (np.add.at, but with the fast bincount)."""
    return np.stack([np.bincount(index, weights=values[:, d], minlength=n) for d in (0, 1)], axis=1)
