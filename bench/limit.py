"""Distance from the limit: the depth-2 neighbourhood held in memory, with scipy's sparse graphs.

The same generated graph as in the database, as one symmetric CSR adjacency matrix (relations read
both ways, as the neighbourhood question reads them). Depth 2 is a BFS with a depth cut done with
CSR row slicing (the rows of the start, then the rows of its neighbours); `breadth_first_order`
over the whole component is timed alongside as scipy's own BFS (no depth limit).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from bench.common import Database, Results, Target, ms, num
from bench.generate import Synthetic
from graph.model import Batch

LIMIT_TARGET = 20.0


@dataclass
class InMemory:
    index: dict[str, int]
    matrix: csr_matrix

    @classmethod
    def from_batch(cls, batch: Batch) -> InMemory:
        index = {node.key: i for i, node in enumerate(batch.nodes)}
        rows = np.fromiter((index[r.start] for r in batch.relations), dtype=np.int32, count=len(batch.relations))
        cols = np.fromiter((index[r.end] for r in batch.relations), dtype=np.int32, count=len(batch.relations))
        n = len(index)
        ones = np.ones(2 * len(rows), dtype=np.int8)
        matrix = csr_matrix((ones, (np.concatenate([rows, cols]), np.concatenate([cols, rows]))), shape=(n, n))
        matrix.sum_duplicates()
        return cls(index, matrix)

    def depth2(self, key: str) -> npt.NDArray[np.int32]:
        """Indices of the nodes within two hops of `key` (the start included)."""
        start = self.index[key]
        indptr, indices = self.matrix.indptr, self.matrix.indices
        first = indices[indptr[start] : indptr[start + 1]]
        if len(first) == 0:
            return np.array([start], dtype=np.int32)
        second = self.matrix[first].indices
        return np.unique(np.concatenate([[start], first, second]))

    def bfs_order(self, key: str) -> npt.NDArray[np.int32]:
        order: npt.NDArray[np.int32] = breadth_first_order(
            self.matrix, self.index[key], directed=False, return_predecessors=False
        )
        return order


def time_each(work: Sequence[str], fn: object, reps: int = 1) -> list[float]:
    """Seconds per call of `fn(key)` for each key in `work`, `reps` passes."""
    assert callable(fn)
    times = []
    for _ in range(reps):
        for key in work:
            started = time.perf_counter()
            fn(key)
            times.append(time.perf_counter() - started)
    return times


def compare(
    results: Results,
    db: Database,
    graph: Synthetic,
    timings: list[Any],
    cases: list[Any],
    *,
    target: bool,
    reps: int = 20,
) -> None:
    """The neighbourhood question's per-case median (from the questions run) against depth 2 in memory."""
    from questions.neighbourhood import neighbourhood

    store = db.store
    memory = InMemory.from_batch(graph.batch)
    timing = next(t for t in timings if t.question.startswith("neighbourhood"))
    table = results.table(
        "limit",
        f"{db.title}: neighbourhood at depth 2 against scipy in memory, {graph.nodes:,} nodes",
        ["start", "question p50 (ms)", "entities in the answer", "in memory p50 (ms)", "entities within 2 hops",
         "scipy BFS, whole component (ms)", "question / in memory"],
    )  # fmt: skip
    ratios = []
    for case in cases:
        if case.key is None or not case.question.startswith("neighbourhood"):
            continue
        ours = statistics.median(timing.per_case[case.label])
        answer = neighbourhood(store, [case.key], depth=2).answer
        mem = statistics.median(time_each([case.key], memory.depth2, reps))
        bfs = statistics.median(time_each([case.key], memory.bfs_order, 3))
        within = len(memory.depth2(case.key))
        ratios.append(ours / mem)
        shown = f"{len(answer.nodes):,}" + (" (capped)" if answer.truncated else "")
        table.rows.append([case.label, ms(ours), shown, ms(mem), num(within), ms(bfs), num(ours / mem) + "×"])
    table.notes.append(
        "In memory: the generated relations as one symmetric scipy CSR matrix; depth 2 = the start's row, then "
        "the rows of its neighbours (a BFS with a depth cut); `breadth_first_order` (no depth limit) for "
        "reference. The question caps its answer at 2,000 entities (its default), the in-memory side does not."
    )
    median_ratio = statistics.median(ratios)
    results.raw.setdefault("limit", []).append({"engine": db.engine, "nodes": graph.nodes, "ratios": ratios})
    if not target:
        return
    results.targets.append(
        Target(
            f"{db.title}: distance from the limit: neighbourhood depth 2 vs in-memory scipy, {graph.nodes:,} nodes",
            f"{median_ratio:,.0f}× slower (median over {len(ratios)} starts)",
            f"≤ {LIMIT_TARGET:.0f}×",
            median_ratio <= LIMIT_TARGET,
            ""
            if median_ratio <= LIMIT_TARGET
            else "the question reads the counter from the database, resolves the start and walks the "
            "projection's arrays, then joins up to 2,000 nodes and their relations from JSON encoded once",
        )
    )
