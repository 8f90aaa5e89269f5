"""`python -m bench [--max-size N] [--quick]`: run every benchmark family, write the report.

One fresh embedded ArcadeDB server per size, in a temporary folder; it is stopped on the way out
whatever happens (normal end, error, Ctrl-C, SIGTERM), and tied to this process so that even a
SIGKILL of ours stops it. Results go to bench/results/latest.json (raw) and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shlex
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench import http_api, limit, load, maps, questions, xlsx
from bench.common import Database, Results, Target
from bench.generate import generate
from bench.report import machine, markdown, today
from graph.store import StoreError

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
CLIENTS = 16


@dataclass(frozen=True)
class Plan:
    sizes: list[int]
    seed: int
    heap: str
    per_row_rows: int
    runs: int  # repeats of the cheap measurements (≥ 3)
    apply_max: int  # largest size at which `store.apply` is timed
    question_reps: int
    question_budget_s: float
    api_requests: int
    api_seconds: float
    map_nodes: int
    map_runs: int
    pyvis_cap_s: float
    quick: bool


def plan_from(args: argparse.Namespace) -> Plan:
    max_size = max(1_000, args.max_size)
    if args.quick:
        sizes = [1_000]
        return Plan(
            sizes,
            args.seed,
            args.heap,
            per_row_rows=300,
            runs=3,
            apply_max=3_000,
            question_reps=3,
            question_budget_s=5.0,
            api_requests=400,
            api_seconds=4.0,
            map_nodes=500,
            map_runs=3,
            pyvis_cap_s=10.0,
            quick=True,
        )
    sizes = []
    size = 1_000
    while size < max_size:
        sizes.append(size)
        size *= 10
    sizes.append(max_size)
    return Plan(
        sizes,
        args.seed,
        args.heap,
        per_row_rows=2_000,
        runs=3,
        apply_max=args.apply_max,
        question_reps=5,
        question_budget_s=15.0,
        api_requests=3_000,
        api_seconds=8.0,
        map_nodes=2_000,
        map_runs=3,
        pyvis_cap_s=20.0,
        quick=False,
    )


_SIGNALLED: list[int] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt(f"signal {signum}")


def run(plan: Plan, results: Results, meta: dict[str, Any]) -> None:
    per_size: list[dict[str, Any]] = []
    all_timings: list[questions.Timing] = []
    api_entries: list[dict[str, Any]] = []
    api_failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="partnergraph-bench-") as tmp:
        for index, size in enumerate(plan.sizes):
            largest = index == len(plan.sizes) - 1
            started = time.perf_counter()
            graph = generate(size, plan.seed)
            gen_s = time.perf_counter() - started
            gc.freeze()  # the generated records live to the end: keep the collector off them
            print(f"[bench] {size:,} nodes, {graph.relations:,} relations generated in {gen_s:.1f} s", flush=True)
            entry: dict[str, Any] = {"nodes": graph.nodes, "relations": graph.relations, "generate_s": gen_s}
            per_size.append(entry)
            db = Database.start(Path(tmp) / f"db-{size}", plan.heap)
            try:
                meta["database"] = db.store.info().agent
                if index == 0:
                    rows = generate(max(size, plan.per_row_rows), plan.seed).batch.nodes[: plan.per_row_rows]
                    print(f"[bench] per row vs batched, {len(rows):,} rows", flush=True)
                    load.per_row_vs_batched(db, rows, plan.runs, results)
                    print("[bench] .xlsx workbook load", flush=True)
                    xlsx.run(results, db, plan.runs, plan.seed, Path(tmp))
                if size <= plan.apply_max:
                    runs = plan.runs if size <= 3_000 else 1
                    print(f"[bench] store.apply × {runs}", flush=True)
                    attempt = time.perf_counter()
                    try:
                        entry["apply"] = load.load_rate(db, graph.batch, runs, reload=size <= 10_000)
                        db.store.clear()
                    except StoreError as exc:  # e.g. the JVM heap is too small for one transaction
                        entry["apply_skipped"] = f"failed after {time.perf_counter() - attempt:.0f} s: {exc}"
                        entry["apply_error_log"] = [
                            line for line in db.server.tail_log(400).splitlines() if "Error" in line
                        ][:8] if db.server else []  # fmt: skip
                        db.stop()  # a JVM that ran out of memory is not trusted further: a fresh one
                        db = Database.start(Path(tmp) / f"db-{size}-fresh", plan.heap)
                else:
                    entry["apply_skipped"] = f"not run above --apply-max {plan.apply_max:,}"
                bulk_runs = plan.runs if size <= 3_000 else 1
                print(f"[bench] bulk path × {bulk_runs}", flush=True)
                entry["bulk"] = load.bulk_rate(db, graph.batch, bulk_runs)
                entry["write_cost"] = load.write_cost(db, graph.keys["Person"])
                print("[bench] questions", flush=True)
                timings, cases = questions.measure(db, graph, plan.question_reps, plan.seed, plan.question_budget_s)
                all_timings += timings
                limit.compare(results, db.store, graph, timings, cases, target=largest)
                if index == 0:
                    questions.read_overhead(results, db)
                print("[bench] API", flush=True)
                try:
                    api_entries.append(
                        http_api.run(results, db, graph, Path(tmp) / f"app-{size}", clients=CLIENTS,
                                     requests=plan.api_requests, seconds=plan.api_seconds)
                    )  # fmt: skip
                except Exception as exc:  # keep the other families' results
                    api_failures.append(f"{size:,} nodes: {type(exc).__name__}: {exc}"[:300])
                if largest:
                    entry["jvm_peak_rss_mb"] = db.jvm_peak_rss_mb()
                    entry["app_peak_rss_mb"] = api_entries[-1]["app_peak_rss_mb"] if api_entries else float("nan")
            finally:
                db.stop()
            print(f"[bench] size {size:,} done in {time.perf_counter() - started:.0f} s", flush=True)
    load.size_tables(results, per_size)
    questions.tables(results, all_timings)
    if api_entries:
        http_api.table(results, api_entries, CLIENTS)
    for failure in api_failures:
        results.targets.append(Target("API", "not measured", "(reported)", None, failure))
    results.raw["sizes"] = per_size
    largest_entry = per_size[-1]
    bulk = largest_entry["bulk"]["total"]["median_s"]
    rate = (largest_entry["nodes"] + largest_entry["relations"]) / bulk
    results.targets.append(
        Target(
            f"load rate at {largest_entry['nodes']:,} nodes (bulk path)",
            f"{rate:,.0f} entities/s",
            "≈ 15k entities/s (probe)",
            rate >= 15_000 * 0.8,
            ""
            if rate >= 12_000
            else "ArcadeDB's own write cost for these records (about 10 properties, lists, JSON sources) on 2 "
            "shared cores; the bulk path has no reads and commits every 5,000 rows",
        )
    )
    heap_note = f"one transaction, JVM heap {plan.heap}"
    if largest_entry.get("apply"):
        total = largest_entry["apply"]["total"]["median_s"]
        results.targets.append(
            Target(f"load: `store.apply` of the {largest_entry['nodes']:,}-node graph ({heap_note})",
                   f"done in {total:.0f} s", "completes", True)
        )  # fmt: skip
    elif "failed" in largest_entry.get("apply_skipped", ""):
        log = [line.strip() for line in largest_entry.get("apply_error_log", [])]
        cause = next((x for x in log if "OutOfMemoryError" in x), next((x for x in log if "Caused by" in x), "?"))
        results.targets.append(
            Target(f"load: `store.apply` of the {largest_entry['nodes']:,}-node graph ({heap_note})",
                   largest_entry["apply_skipped"], "completes", False,
                   f"the server log says: {cause}. The whole batch is one transaction; larger loads need a "
                   "bigger heap (PARTNERGRAPH_DB_HEAP) or commits in chunks")
        )  # fmt: skip
    memory(results, largest_entry)
    print(f"[bench] maps, {plan.map_nodes:,} nodes", flush=True)
    try:
        maps.run(results, plan.map_nodes, plan.map_runs, pyvis_runs=1, cap_s=plan.pyvis_cap_s)
    except Exception as exc:  # no Chromium or Playwright: say so in the report, keep the rest
        results.targets.append(Target("maps", "not measured", "≥ 10×", None, f"{type(exc).__name__}: {exc}"[:300]))


def memory(results: Results, entry: dict[str, Any]) -> None:
    app_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = results.table(
        "memory", f"Peak memory at the largest size ({entry['nodes']:,} nodes)", ["process", "peak RSS (MB)"]
    )
    table.rows.append(
        ["the app: `uvicorn api.app` subprocess after the API run (VmHWM)", f"{entry.get('app_peak_rss_mb', 0):,.0f}"]
    )
    table.rows.append(["this benchmark process (generator, records, driver, questions; `getrusage`)", f"{app_mb:,.0f}"])
    table.rows.append(
        ["the database JVM (VmHWM from /proc/<pid>/status)", f"{entry.get('jvm_peak_rss_mb', float('nan')):,.0f}"]
    )
    results.raw["memory"] = {"app_peak_rss_mb": app_mb, "jvm_peak_rss_mb": entry.get("jvm_peak_rss_mb")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-size", type=int, default=100_000, help="largest graph, in nodes (default 100000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--heap", default="512m", help="JVM heap of the embedded server (the app's default)")
    parser.add_argument(
        "--apply-max", type=int, default=1_000_000, help="largest size at which store.apply is timed (default: all)"
    )
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the markdown report")
    args = parser.parse_args(argv)
    plan = plan_from(args)
    # Ctrl-C and SIGTERM unwind through every `finally`, which stops the database and the app; SIGINT
    # is set explicitly because a shell starting us in the background (`&`) leaves it ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    meta: dict[str, Any] = {
        "date": today(),
        "machine": machine(),
        "command": command.strip(),
        "seed": plan.seed,
        "sizes": plan.sizes,
        "max_size": plan.sizes[-1],
        "heap": plan.heap,
        "quick": plan.quick,
    }
    results = Results()
    started = time.perf_counter()
    try:
        run(plan, results, meta)
    except BaseException:
        if not _SIGNALLED:
            raise
        # The driver may turn an interrupt in the middle of a read into another error on its way out.
        print(f"[bench] interrupted by signal {_SIGNALLED[0]}; the database was stopped", file=sys.stderr)
        return 128 + _SIGNALLED[0]
    meta["runtime_s"] = time.perf_counter() - started
    meta["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, **results.as_dict()}
    stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime())
    for path in (RESULTS_DIR / "latest.json", RESULTS_DIR / f"{stamp}.json"):
        path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    args.doc.write_text(markdown(results, meta), encoding="utf-8")
    print(f"[bench] done in {meta['runtime_s']:.0f} s; wrote {args.doc} and {RESULTS_DIR / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
