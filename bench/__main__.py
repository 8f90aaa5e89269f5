"""`python -m bench [--max-size N] [--quick]`: run every benchmark family, write the report.

Both managed databases (ArcadeDB and Neo4j, as `graph.connect` starts them) in the same run: one
fresh server per database and size, in a temporary folder; it is stopped on the way out
whatever happens (normal end, error, Ctrl-C, SIGTERM), and tied to this process so that even a
SIGKILL of ours stops it. Results go to bench/results/latest.json (raw) and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
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

from neo4j.exceptions import Neo4jError

from bench import http_api, limit, load, maps, questions, routes, xlsx
from bench.common import ENGINE_TITLES, Database, Results, Target, num
from bench.generate import PERSON, Synthetic, generate
from bench.report import machine, markdown, readme_summary, today, with_readme_summary
from graph.connect import ENGINES
from graph.staged import STAGE_ROWS, STAGED_MIN
from graph.store import StoreError
from partnergraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
CLIENTS = 16
APPLY_TARGET_S = 60.0
APP_RSS_TARGET_MB = 500.0
# What `--only` can pick; the memory table comes with whatever ran (the app's RSS with api/routes).
FAMILIES = ("maps", "servers", "mix", "load", "xlsx", "questions", "api", "routes")


@dataclass(frozen=True)
class Plan:
    """What a run measures, and how hard: the full run's settings are the defaults."""

    sizes: list[int]
    seed: int
    heap: str
    engines: list[str]
    apply_max: int  # largest size at which `store.apply` is timed
    families: frozenset[str] = frozenset(FAMILIES)
    per_row_rows: int = 2_000
    runs: int = 3  # repeats of the cheap measurements (≥ 3)
    question_reps: int = 5
    question_budget_s: float = 15.0
    api_requests: int = 3_000
    api_seconds: float = 8.0
    map_nodes: int = 2_000
    map_runs: int = 3
    pyvis_cap_s: float = 20.0
    quick: bool = False
    route_reps: int = 20
    route_budget_s: float = 5.0
    route_warm_s: float = 30.0  # every route in turn, untimed, between the first pass and the timed one
    mix_seconds: float = 8.0
    mix_warm_s: float = 8.0
    mix_requests: int = 5_000
    ping_warm_s: float = 10.0  # both `ping` paths in turn, untimed, between their two timed passes


# `--quick`: a smoke run of every family in a minute or two, at 1,000 nodes.
QUICK: dict[str, Any] = {
    "per_row_rows": 300,
    "apply_max": 3_000,
    "question_reps": 3,
    "question_budget_s": 5.0,
    "api_requests": 400,
    "api_seconds": 4.0,
    "map_nodes": 500,
    "pyvis_cap_s": 10.0,
    "quick": True,
    "route_reps": 10,
    "route_budget_s": 2.0,
    "route_warm_s": 2.0,
    "mix_seconds": 4.0,
    "mix_warm_s": 1.0,
    "ping_warm_s": 1.0,
}


def plan_from(args: argparse.Namespace) -> Plan:
    max_size = max(1_000, args.max_size)
    plan = Plan([1_000], args.seed, args.heap, args.engines, args.apply_max, families=args.only)
    if args.quick:
        return dataclasses.replace(plan, **QUICK)
    sizes = []
    size = 1_000
    while size < max_size:
        sizes.append(size)
        size *= 10
    sizes.append(max_size)
    return dataclasses.replace(plan, sizes=sorted(args.sizes) if args.sizes else sizes)


_SIGNALLED: list[int] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt(f"signal {signum}")


def startup(results: Results, engines: list[str], folder: Path, heap: str, settle_s: float = 3.0) -> None:
    """Each managed server's cold start (a new folder: users, password, database created), a warm
    restart on the same folder, and its idle resident memory a few seconds after each start."""
    rows: dict[str, dict[str, float]] = {}
    for engine in engines:
        entry: dict[str, float] = {}
        for phase in ("cold", "warm"):
            db = Database.start(folder / f"start-{engine}", heap, engine)
            try:
                time.sleep(settle_s)  # idle: what the JVM holds once started, not its start-up peak
                entry[f"{phase}_s"] = db.start_s
                entry[f"{phase}_idle_rss_mb"] = db.jvm_rss_mb()
                entry[f"{phase}_peak_rss_mb"] = db.jvm_peak_rss_mb()
            finally:
                db.stop()
        rows[engine] = entry
        print(f"[bench] {engine}: cold start {entry['cold_s']:.1f} s, warm {entry['warm_s']:.1f} s, "
              f"idle {entry['warm_idle_rss_mb']:.0f} MB", flush=True)  # fmt: skip
    table = results.table(
        "servers",
        f"Start time and idle memory of each managed server (JVM heap {heap})",
        ["database", "cold start (s)", "idle RSS after it (MB)", "warm restart (s)", "idle RSS after it (MB)",
         "peak RSS while starting (MB)"],
    )  # fmt: skip
    for engine, e in rows.items():
        peak = max(e["cold_peak_rss_mb"], e["warm_peak_rss_mb"])
        table.rows.append([ENGINE_TITLES[engine], f"{e['cold_s']:.1f}", num(e["cold_idle_rss_mb"]),
                           f"{e['warm_s']:.1f}", num(e["warm_idle_rss_mb"]), num(peak)])  # fmt: skip
    table.notes += [
        "Start: from launching the server (`graph.connect.managed_server(...).start()`, as the app does) to the "
        "first answered query. Cold: an empty data folder, so it includes writing the users and generated "
        "password (Neo4j: a first start with Bolt closed that sets the initial password, then the real start) "
        "and creating the database; warm: a restart on the same folder.",
        f"Idle RSS: VmRSS of the server's process {settle_s:.0f} s after it answered, with nothing loaded.",
    ]
    results.raw["servers"] = rows


def run(plan: Plan, results: Results, meta: dict[str, Any]) -> None:
    per_size: dict[str, list[dict[str, Any]]] = {engine: [] for engine in plan.engines}
    all_timings: list[questions.Timing] = []
    api_entries: list[dict[str, Any]] = []
    api_failures: list[str] = []
    route_entries: list[dict[str, Any]] = []
    mixes: list[dict[str, Any]] = []
    meta["databases"] = {}
    run_started = time.perf_counter()
    if "maps" in plan.families:
        print(f"[bench] maps, {plan.map_nodes:,} nodes", flush=True)  # first: no database, and done if cut short
        try:
            maps.run(results, plan.map_nodes, plan.map_runs, pyvis_runs=1, cap_s=plan.pyvis_cap_s)
        except Exception as exc:  # no Chromium or Playwright: say so in the report, keep the rest
            results.targets.append(Target("maps", "not measured", "≥ 10×", None, f"{type(exc).__name__}: {exc}"[:300]))
    with tempfile.TemporaryDirectory(prefix="partnergraph-bench-") as tmp:
        if "servers" in plan.families:
            print("[bench] start time and idle memory of each server", flush=True)
            startup(results, plan.engines, Path(tmp), plan.heap)
        for index, size in enumerate(plan.sizes):
            largest = index == len(plan.sizes) - 1
            started = time.perf_counter()
            graph = generate(size, plan.seed)
            gen_s = time.perf_counter() - started
            gc.freeze()  # the generated records live to the end: keep the collector off them
            print(f"[bench] {size:,} nodes, {graph.relations:,} relations generated in {gen_s:.1f} s", flush=True)
            for engine in plan.engines:
                entry: dict[str, Any] = {"engine": engine, "nodes": graph.nodes, "relations": graph.relations,
                                         "generate_s": gen_s}  # fmt: skip
                per_size[engine].append(entry)
                print(f"[bench] {ENGINE_TITLES[engine]}, {size:,} nodes", flush=True)
                try:
                    one_size(plan, results, meta, Path(tmp), engine, graph, entry, index=index, largest=largest,
                             timings=all_timings, api_entries=api_entries, api_failures=api_failures,
                             route_entries=route_entries, mixes=mixes)  # fmt: skip
                except Exception as exc:  # keep what the other sizes and databases measured
                    api_failures.append(f"{ENGINE_TITLES[engine]}, {size:,} nodes: {type(exc).__name__}: {exc}"[:300])
            print(f"[bench] size {size:,} done in {time.perf_counter() - started:.0f} s", flush=True)
            if not largest:  # a report of the sizes done so far, in case the run is cut short
                partial = copy.deepcopy(results)
                summarise(plan, partial, per_size, all_timings, api_entries, api_failures, route_entries, mixes)
                done = {**meta, "runtime_s": time.perf_counter() - run_started, "partial": f"up to {size:,} nodes"}
                done["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
                meta["doc"].write_text(markdown(partial, done), encoding="utf-8")
    summarise(plan, results, per_size, all_timings, api_entries, api_failures, route_entries, mixes)


def summarise(
    plan: Plan, results: Results, per_size: dict[str, list[dict[str, Any]]], all_timings: list[questions.Timing],
    api_entries: list[dict[str, Any]], api_failures: list[str], route_entries: list[dict[str, Any]],
    mixes: list[dict[str, Any]],
) -> None:  # fmt: skip
    """The tables and targets built from every size measured so far."""
    load.size_tables(results, per_size)
    questions.tables(results, all_timings)
    if api_entries:
        http_api.table(results, api_entries, CLIENTS)
    routes.tables(results, route_entries, mixes)
    for failure in api_failures:
        results.targets.append(Target("not measured", failure, "(reported)", None))
    results.raw["sizes"] = per_size
    for engine in plan.engines if "load" in plan.families else ():
        try:
            load_targets(results, engine, per_size[engine][-1], plan.heap)
        except KeyError as exc:  # that size did not get as far as the loads
            results.targets.append(Target(f"{ENGINE_TITLES[engine]}: loads", "not measured", "–", None, str(exc)))
    server_sizes(results, per_size)
    if per_size and all(per_size.values()):
        memory(results, {engine: entries[-1] for engine, entries in per_size.items()})


def one_size(
    plan: Plan, results: Results, meta: dict[str, Any], tmp: Path, engine: str, graph: Synthetic,
    entry: dict[str, Any], *, index: int, largest: bool, timings: list[questions.Timing],
    api_entries: list[dict[str, Any]], api_failures: list[str], route_entries: list[dict[str, Any]],
    mixes: list[dict[str, Any]],
) -> None:  # fmt: skip
    """Every database family at one size on one database: a fresh server in its own folder."""
    size = graph.nodes
    db = Database.start(tmp / f"db-{engine}-{size}", plan.heap, engine)
    entry["start_s"] = db.start_s
    entry["rss_at_start_mb"] = db.jvm_rss_mb()
    try:
        meta["databases"][engine] = db.store.info().agent
        want = plan.families
        if index == 0 and "mix" in want:
            print(f"[bench] {routes.MIX_CLIENTS} clients, read mix, Helsinki data", flush=True)
            try:
                mixes.append(routes.mix(results, db, tmp / f"mix-{engine}", seconds=plan.mix_seconds,
                                        requests=plan.mix_requests, warm_s=plan.mix_warm_s))  # fmt: skip
            except Exception as exc:  # keep the other families' results
                api_failures.append(f"{db.title}, read mix: {type(exc).__name__}: {exc}"[:300])
        if index == 0 and "load" in want:
            rows = generate(max(size, plan.per_row_rows), plan.seed).batch.nodes[: plan.per_row_rows]
            print(f"[bench] per row vs batched, {len(rows):,} rows", flush=True)
            load.per_row_vs_batched(db, rows, plan.runs, results)
        if index == 0 and "xlsx" in want:
            print("[bench] .xlsx workbook load", flush=True)
            xlsx.run(results, db, plan.runs, plan.seed, tmp / f"xlsx-{engine}")
        if "load" not in want:
            if want & {"questions", "api", "routes"}:
                print("[bench] loading the graph (bulk path, untimed)", flush=True)
                load.bulk_create(db, graph.batch)
        elif size <= plan.apply_max:
            runs = plan.runs if size <= 3_000 else 1
            print(f"[bench] store.apply × {runs}", flush=True)
            attempt = time.perf_counter()
            try:
                entry["apply"] = load.load_rate(db, graph.batch, runs, reload=size <= 10_000)
            except StoreError as exc:  # e.g. the JVM heap is too small for one transaction
                entry["apply_skipped"] = f"failed after {time.perf_counter() - attempt:.0f} s: {exc}"
                entry["apply_cause"] = server_cause(exc)
                entry["apply_error_log"] = db.error_lines()
                # The first load into the empty database failed (a failed re-load is caught in load_rate):
                # what is left after a restart on the same folder is what the failure left.
                db.stop()  # a JVM that ran out of memory is not trusted further: restarted on the same folder
                db = Database.start(tmp / f"db-{engine}-{size}", plan.heap, engine)
                entry["left_after_failure"] = db.store.counts().total_nodes
            db.store.clear()
            if largest and "left_after_failure" not in entry:
                print("[bench] a load that fails at the end, at full size", flush=True)
                failed = load.failing_load(db, graph.batch)
                entry["left_after_failure"] = failed["left"]
                entry["failing_load"] = failed
        else:
            entry["apply_skipped"] = f"not run above --apply-max {plan.apply_max:,}"
        if "load" in want:
            bulk_runs = plan.runs if size <= 3_000 else 1
            print(f"[bench] bulk path × {bulk_runs}", flush=True)
            entry["bulk"] = load.bulk_rate(db, graph.batch, bulk_runs)
            entry["write_cost"] = load.write_cost(db, graph.keys[PERSON])
        if "questions" in want:
            print("[bench] questions", flush=True)
            try:
                found, cases = questions.measure(db, graph, plan.question_reps, plan.seed, plan.question_budget_s)
                timings += found
                limit.compare(results, db, graph, found, cases, target=largest)
                if index == 0:
                    questions.read_overhead(results, db, warm_s=plan.ping_warm_s)
            except StoreError as exc:  # keep the other families' results
                api_failures.append(f"{db.title}, questions at {size:,} nodes: {exc}"[:300])
        if "api" in want:
            print("[bench] API", flush=True)
            try:
                api_entries.append(
                    http_api.run(results, db, graph, tmp / f"app-{engine}-{size}", clients=CLIENTS,
                                 requests=plan.api_requests, seconds=plan.api_seconds)
                )  # fmt: skip
            except Exception as exc:  # keep the other families' results
                api_failures.append(f"{db.title}, {size:,} nodes: {type(exc).__name__}: {exc}"[:300])
        if "routes" in want:
            print("[bench] every question route over HTTP", flush=True)
            try:
                route_entries.append(routes.run(results, db, graph, tmp / f"routes-{engine}-{size}", seed=plan.seed,
                                                reps=plan.route_reps, budget_s=plan.route_budget_s,
                                                warm_s=plan.route_warm_s))  # fmt: skip
            except Exception as exc:  # keep the other families' results
                api_failures.append(f"{db.title}, routes at {size:,} nodes: {type(exc).__name__}: {exc}"[:300])
        entry["jvm_rss_mb"] = db.jvm_rss_mb()
        entry["jvm_peak_rss_mb"] = db.jvm_peak_rss_mb()
        if largest:
            mine = [e for e in api_entries + route_entries if e["engine"] == engine and e["nodes"] == size]
            entry["app_peak_rss_mb"] = max((e["app_peak_rss_mb"] for e in mine), default=float("nan"))
            entry["app_memory"] = next((e["app_memory"] for e in mine if "app_memory" in e), [])
    finally:
        db.stop()


def load_targets(results: Results, engine: str, largest_entry: dict[str, Any], heap: str) -> None:
    title = ENGINE_TITLES[engine]
    bulk = largest_entry["bulk"]["total"]["median_s"]
    rate = (largest_entry["nodes"] + largest_entry["relations"]) / bulk
    results.targets.append(
        Target(
            f"{title}: load rate at {largest_entry['nodes']:,} nodes (bulk path)",
            f"{rate:,.0f} entities/s",
            "≈ 15k entities/s (probe)",
            rate >= 15_000 * 0.8,
            ""
            if rate >= 12_000
            else f"{title}'s own write cost for these records (about 10 properties, lists, JSON sources) on 2 "
            "shared cores; the bulk path has no reads and commits every 5,000 rows",
        )
    )
    records = largest_entry["nodes"] + largest_entry["relations"]
    applied = largest_entry.get("apply")
    how = (
        f"staged: a commit every {STAGE_ROWS:,} records, all or nothing"
        if (applied or {}).get("staged", records >= STAGED_MIN)
        else "one transaction"
    )
    name = f"{title}: load: `store.apply` of the {largest_entry['nodes']:,}-node graph ({how}, JVM heap {heap})"
    if applied:
        total = applied["total"]["median_s"]
        fast = total <= APPLY_TARGET_S
        server, client = applied.get("server_cpu_s", float("nan")), applied.get("client_cpu_s", float("nan"))
        results.targets.append(
            Target(name, f"done in {total:.0f} s", f"completes in ≤ {APPLY_TARGET_S:.0f} s", fast,
                   "" if fast else f"{records / total:,.0f} entities/s: the server used {server:.0f} s of CPU "
                   f"for the {records:,} records ({server / records * 1000:.2f} ms each), this process {client:.0f} "
                   f"s, on 2 cores shared at load average {applied.get('load_average', '?')}")
        )  # fmt: skip
    elif "failed" in largest_entry.get("apply_skipped", ""):
        log = largest_entry.get("apply_error_log", [])
        said = largest_entry.get("apply_cause") or next((x for x in log if "OutOfMemoryError" in x), "")
        results.targets.append(
            Target(name, largest_entry["apply_skipped"], "completes", False,
                   f"the server said: {said or 'nothing more'}"
                   + (f"; its log: {log[-1]}" if log and log[-1] not in said else ""))
        )  # fmt: skip
    left = largest_entry.get("left_after_failure")
    if left is not None:
        failed = largest_entry.get("failing_load", {})
        rels, kept = failed.get("relations_left", 0), failed.get("bookkeeping_left", 0)
        clean = left == 0 and rels == 0 and kept == 0
        value = f"{left:,} entities, {rels:,} relations, {kept} lease left"
        if "failed_s" in failed:
            value += f" (failed and rolled back in {failed['failed_s']:.0f} s)"
        results.targets.append(
            Target(f"{title}: a load of {largest_entry['nodes']:,} nodes that fails at its end leaves nothing",
                   value, "nothing left", clean, "" if clean else "the failed load was not fully rolled back")
        )  # fmt: skip


def server_cause(exc: BaseException) -> str:
    """What the database server itself said about a failed write: the driver error's code and message."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Neo4jError):
            return f"{seen.code}: {seen.message}"[:400]
        seen = seen.__cause__
    return ""


def server_sizes(results: Results, per_size: dict[str, list[dict[str, Any]]]) -> None:
    """Each database server's start time and resident memory at every size (its own fresh folder)."""
    table = results.table(
        "servers", "Each server by size: start and resident memory",
        ["database", "nodes", "start (s)", "RSS at start (MB)", "RSS after the run (MB)", "peak RSS (MB)"],
    )  # fmt: skip
    for engine, entries in per_size.items():
        for e in entries:
            table.rows.append([ENGINE_TITLES[engine], num(e["nodes"]), f"{e.get('start_s', float('nan')):.1f}",
                               num(e.get("rss_at_start_mb", float("nan"))), num(e.get("jvm_rss_mb", float("nan"))),
                               num(e.get("jvm_peak_rss_mb", float("nan")))])  # fmt: skip
    table.notes.append("RSS after the run and the peak: VmRSS and VmHWM at the end of a size, after the loads, the "
                       "questions and the API run.")  # fmt: skip


def memory(results: Results, largest: dict[str, dict[str, Any]]) -> None:
    bench_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    nodes = next(iter(largest.values()))["nodes"]
    table = results.table(
        "memory", f"Memory at the largest size ({nodes:,} nodes)",
        ["process", *(ENGINE_TITLES[e] + " (MB)" for e in largest)],
    )  # fmt: skip

    def row(label: str, name: str) -> list[str]:
        return [label, *(num(e.get(name, float("nan"))) for e in largest.values())]

    table.rows.append(row("database server: RSS just after its start (VmRSS)", "rss_at_start_mb"))
    table.rows.append(row("database server: RSS after the questions and the API run (VmRSS)", "jvm_rss_mb"))
    table.rows.append(row("database server: peak RSS (VmHWM from /proc/<pid>/status)", "jvm_peak_rss_mb"))
    table.rows.append(row("the app: `uvicorn api.app` subprocess after the API run (VmHWM)", "app_peak_rss_mb"))
    table.rows.append(["this benchmark process, both databases (generator, records, driver, questions; "
                       "`getrusage`)", *(num(bench_mb) for _ in largest)])  # fmt: skip
    steps = {engine: e.get("app_memory", []) for engine, e in largest.items()}
    if any(steps.values()):
        by_route = results.table(
            "memory", f"The app's resident memory route by route, {nodes:,} nodes (`uvicorn api.app`, MB: now / peak)",
            ["after", *(ENGINE_TITLES[e] for e in largest)],
        )  # fmt: skip
        labels = list(dict.fromkeys(step["after"] for entries in steps.values() for step in entries))
        for label in labels:
            cells = []
            for engine in largest:
                step = next((x for x in steps[engine] if x["after"] == label), None)
                cells.append(f"{num(step['rss_mb'])} / {num(step['peak_mb'])}" if step else "–")
            by_route.rows.append([label, *cells])
        by_route.notes.append(
            "The routes of the route table, in its order, each called until its answers were timed; the first "
            "neighbourhood or paths call builds the projection, the first search the search index. VmRSS and "
            "VmHWM of the app's own process (not this benchmark's). Answers are not kept in these runs; kept "
            f"ones add at most PARTNERGRAPH_ANSWER_CACHE_MB ({Settings.model_fields['answer_cache_mb'].default} MB "
            "by default) to each process."
        )
    for engine, e in largest.items():
        app = e.get("app_peak_rss_mb", float("nan"))
        if app != app:  # not measured (no api/routes run)
            continue
        why = ""
        if app >= APP_RSS_TARGET_MB:
            pairs = zip(steps[engine], steps[engine][1:], strict=False)
            rises = [(b["peak_mb"] - a["peak_mb"], b["after"]) for a, b in pairs]
            rises = sorted((r for r in rises if r[0] >= 20), reverse=True)[:3]
            start = steps[engine][0]["rss_mb"] if steps[engine] else float("nan")
            why = (
                f"the app starts at {num(start)} MB; its peak rose most with "
                + ", ".join(f"{label} (+{num(rise)} MB)" for rise, label in rises)
                if rises
                else "measured in the API run only (no route-by-route memory)"
            )
        results.targets.append(
            # The database's memory goes with the value: the name stays one row across databases.
            Target(f"{ENGINE_TITLES[engine]}: memory of the app at {nodes:,} nodes (peak RSS)",
                   f"{num(app)} MB (the database beside it: {num(e.get('jvm_peak_rss_mb', float('nan')))} MB)",
                   f"< {APP_RSS_TARGET_MB:.0f} MB", app < APP_RSS_TARGET_MB, why)
        )  # fmt: skip
    results.raw["memory"] = {
        "bench_peak_rss_mb": bench_mb,
        **{engine: {k: e.get(k) for k in ("rss_at_start_mb", "jvm_rss_mb", "jvm_peak_rss_mb", "app_peak_rss_mb")}
           for engine, e in largest.items()},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-size", type=int, default=100_000, help="largest graph, in nodes (default 100000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--heap", default="512m", help="JVM heap of the embedded server (the app's default)")
    parser.add_argument(
        "--apply-max", type=int, default=1_000_000, help="largest size at which store.apply is timed (default: all)"
    )
    parser.add_argument(
        "--engines", type=lambda text: [e for e in text.split(",") if e], default=list(ENGINES),
        help="the managed databases to measure, comma-separated (default: arcadedb,neo4j)",
    )  # fmt: skip
    parser.add_argument(
        "--sizes", type=lambda text: [int(n) for n in text.split(",") if n], default=None,
        help="these graph sizes instead of 1,000, 10,000, … up to --max-size (e.g. 100000: only the largest)",
    )  # fmt: skip
    parser.add_argument(
        "--only", type=lambda text: frozenset(f for f in text.split(",") if f), default=frozenset(FAMILIES),
        help=f"run only these families, comma-separated, of {','.join(FAMILIES)} (default: all); e.g. "
        "`--only load --max-size 100000 --engines arcadedb`; the graph is still loaded (untimed) for the "
        "questions, api and routes",
    )  # fmt: skip
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the markdown report")
    args = parser.parse_args(argv)
    if unknown := sorted(args.only - set(FAMILIES)):
        parser.error(f"unknown families {', '.join(unknown)}; choose from {', '.join(FAMILIES)}")
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
        "engines": plan.engines,
    }
    results = Results()
    meta["doc"] = args.doc
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
    del meta["doc"]
    meta["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, **results.as_dict()}
    stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime())
    for path in (RESULTS_DIR / "latest.json", RESULTS_DIR / f"{stamp}.json"):
        path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    args.doc.write_text(markdown(results, meta), encoding="utf-8")
    if args.doc == DOC and args.only == frozenset(FAMILIES) and not args.quick and not args.sizes:
        readme = ROOT / "README.md"  # a full run's summary, nothing partial
        readme.write_text(with_readme_summary(readme.read_text(encoding="utf-8"), readme_summary(results, meta)))
    print(f"[bench] done in {meta['runtime_s']:.0f} s; wrote {args.doc} and {RESULTS_DIR / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
