"""Questions at each size, through partnergraph's Python API and as the same Cypher run raw.

Raw means: the exact statements (names, parameters) the question sent, recorded by wrapping the
store's `read`, replayed through the driver in one session with auto-commit `run`, records
fetched as dicts. The difference is partnergraph's own overhead: a session and a managed
transaction per read, value conversion, Python logic and pydantic models.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.common import ENGINE_TITLES, Database, Results, Stat, Target, ms, num
from bench.generate import CITY, NETWORK, ORGANISATION, PERSON, THEME, Synthetic
from graph.bolt import BoltStore
from graph.cypher import REGISTRY

Call = tuple[str, dict[str, Any], str | None, str | None]  # statement, params, kind, rel


@dataclass
class Case:
    question: str
    label: str
    run: Callable[[], object]
    key: str | None = None  # the start entity, where there is one
    calls: list[Call] = field(default_factory=list)


def record(store: BoltStore, work: Callable[[], object]) -> list[Call]:
    """The reads `work` sends through `store` (BoltStore's own helpers call `self.read` too)."""
    calls: list[Call] = []
    original = store.read

    def read(
        statement: str, params: Mapping[str, Any] | None = None, *, kind: str | None = None, rel: str | None = None
    ) -> list[dict[str, Any]]:
        calls.append((statement, dict(params or {}), kind, rel))
        return original(statement, params, kind=kind, rel=rel)

    store.read = read  # type: ignore[method-assign]
    try:
        work()
    finally:
        del store.read  # back to the class's method
    return calls


def replay(db: Database, calls: list[Call]) -> int:
    rows = 0
    schema = db.store.schema
    with db.session() as session:
        for statement, params, kind, rel in calls:
            query = REGISTRY.get(statement, schema, kind=kind, rel=rel)
            rows += len(session.run(query, params).data())  # text from REGISTRY
    return rows


def cases(db: Database, graph: Synthetic, seed: int) -> list[Case]:
    """Parameter sets drawn from the generated graph: hubs and ordinary nodes alike."""
    from questions.contacts import contacts
    from questions.neighbourhood import neighbourhood
    from questions.partners import partners_by_themes
    from questions.paths import paths
    from questions.search import search

    rng = random.Random(seed)
    store = db.store
    keys = graph.keys
    themes, cities, orgs, people, nets = (keys[k] for k in (THEME, CITY, ORGANISATION, PERSON, NETWORK))
    top = max(4, len(themes) // 5)
    sub = themes[top + rng.randrange(len(themes) - top)]
    out = [
        Case("partners by themes", "2 popular themes, all", lambda: partners_by_themes(store, themes[:2])),
        Case("partners by themes", "1 theme", lambda: partners_by_themes(store, [themes[2]])),
        Case("partners by themes", "2 themes, any", lambda: partners_by_themes(store, themes[3:5], mode="any")),
        Case("partners by themes", "a sub-theme", lambda: partners_by_themes(store, [sub])),
    ]
    for label, key in (
        ("the hub city", cities[0]),
        ("a city", rng.choice(cities[1:])),
        ("an organisation", rng.choice(orgs)),
        ("a person", rng.choice(people)),
    ):

        def answered(k: str = key) -> bytes:  # the answer as the API sends it: its JSON, from plain data
            return neighbourhood(store, [k], depth=2).raw.json()

        out.append(Case("neighbourhood, depth 2", label, answered, key))
    for label, (a, b) in (
        ("person → city", (rng.choice(people), rng.choice(cities))),
        ("organisation → organisation", (rng.choice(orgs), rng.choice(orgs))),
        ("person → network", (rng.choice(people), rng.choice(nets))),
    ):
        out.append(Case("shortest path", label, lambda a=a, b=b: paths(store, a, b)))  # type: ignore[misc]
    for label, key in (("a network", rng.choice(nets)), ("an organisation", rng.choice(orgs)), ("a theme", themes[0])):
        out.append(Case("contacts", label, lambda k=key: contacts(store, k)))  # type: ignore[misc]
    city = next(n for n in graph.batch.nodes if n.key == rng.choice(cities[1:]))
    name = city.name_en or city.key
    theme_name = next(n for n in graph.batch.nodes if n.key == themes[1]).name_en or ""
    for label, text in (
        ("an exact city name", name),
        ("a Finnish inflected form", (city.aliases or (name + "ssa",))[0]),
        ("a typo", name[:-1] + ("x" if name[-1] != "x" else "y")),
        ("a prefix (autocomplete)", name[:4]),
        ("a two-word theme name", theme_name),
    ):
        out.append(Case("search", label, lambda t=text: search(store, t)))  # type: ignore[misc]
    return out


@dataclass(frozen=True)
class IndexBuild:
    """What building the search index costs at one size, each way the app builds it."""

    build_s: float  # from the names the projection holds (median of 3): the index alone
    first_search_s: float  # the first search before any graph question: one read of every name, then the build
    read_s: float  # that read of every name alone
    projection_s: float  # building the projection whose names the first figure uses (once a version)


def index_build(db: Database) -> IndexBuild:
    """The index as the first search before any graph question builds it (one read of every name,
    then the build), then built from the projection's names (the projection is built first and
    timed on its own: every graph question shares it); then the first search itself, so that the
    searches timed after it find their index."""
    from questions.projection import projection
    from questions.search import kind_words, name_columns, read_names, search
    from questions.search_index import SearchIndex

    store = db.store
    words = kind_words(store.schema)
    started = time.perf_counter()
    names = read_names(store)
    read_s = time.perf_counter() - started
    SearchIndex.from_columns(names, words)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    held_names = name_columns(projection(store))
    projection_s = time.perf_counter() - started
    builds = []
    for _ in range(3):
        started = time.perf_counter()
        SearchIndex.from_columns(held_names, words)
        builds.append(time.perf_counter() - started)
    search(store, "warm up")
    return IndexBuild(statistics.median(builds), first_s, read_s, projection_s)


@dataclass
class Timing:
    question: str
    size: int
    engine: str = "arcadedb"
    ours: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    statements: int = 0
    rows: int = 0
    cases: int = 0
    per_case: dict[str, list[float]] = field(default_factory=dict)  # ours, by case label
    index: IndexBuild | None = None  # search: building its in-memory index

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "engine": self.engine, "size": self.size, "ours": Stat(self.ours).as_dict(),
                "raw": Stat(self.raw).as_dict(), "statements": self.statements, "rows": self.rows,
                "cases": self.cases, "index": None if self.index is None else asdict(self.index)}  # fmt: skip


def measure(db: Database, graph: Synthetic, reps: int, seed: int, budget_s: float) -> tuple[list[Timing], list[Case]]:
    """Each case `reps` times, ours and raw back to back (ours first in even repetitions, raw first in
    odd ones), cases interleaved within a repetition so that drift hits both sides alike. The first
    repetition records the statements each case sends; a question whose time so far exceeds
    `budget_s` stops after 3 repetitions."""
    timings: dict[str, Timing] = {}
    built = index_build(db)  # not part of any search's time: reported on its own
    all_cases = cases(db, graph, seed)
    for case in all_cases:
        timings.setdefault(case.question, Timing(case.question, graph.nodes, db.engine)).cases += 1
    spent = dict.fromkeys(timings, 0.0)
    for rep in range(reps):
        for case in all_cases:
            if rep >= 3 and spent[case.question] > budget_s:
                continue
            timing = timings[case.question]
            raw_s = 0.0
            if rep % 2:
                started = time.perf_counter()
                replay(db, case.calls)
                raw_s = time.perf_counter() - started
            started = time.perf_counter()
            if rep == 0:
                case.calls = record(db.store, case.run)
                timing.statements += len(case.calls)
            else:
                case.run()
            ours_s = time.perf_counter() - started
            if not rep % 2:
                started = time.perf_counter()
                rows = replay(db, case.calls)
                raw_s = time.perf_counter() - started
                if rep == 0:
                    timing.rows += rows
            timing.ours.append(ours_s)
            timing.raw.append(raw_s)
            timing.per_case.setdefault(case.label, []).append(ours_s)
            spent[case.question] += ours_s + raw_s
    if "search" in timings:
        timings["search"].index = built
    return list(timings.values()), all_cases


OVERHEAD_TARGET = 1.5
READ_TARGET_S = 0.0005
# Answered from structures held in the process (search index, projection): their raw side is only
# the few reads left (the counter, the start), so ours/raw measures the in-memory work instead.
IN_MEMORY = ("search", "neighbourhood, depth 2", "shortest path")
INDEX_BUILD_TARGET_S = 1.0


def tables(results: Results, timings: list[Timing]) -> None:
    engines = list(dict.fromkeys(t.engine for t in timings))
    side_by_side(results, timings, engines)
    table = results.table(
        "questions",
        "Questions by database and size: partnergraph's Python API against the same Cypher run raw through the driver",
        ["database", "question", "nodes", "cases × runs", "statements / call", "ours p50 (ms)", "ours p95 (ms)",
         "raw p50 (ms)", "raw p95 (ms)", "ours / raw (p50)"],
    )  # fmt: skip
    for t in sorted(timings, key=lambda t: (engines.index(t.engine), t.question, t.size)):
        ours, raw = Stat(t.ours), Stat(t.raw)
        table.rows.append([
            ENGINE_TITLES[t.engine], t.question, num(t.size), f"{t.cases} × {len(t.ours) // max(t.cases, 1)}",
            f"{t.statements / max(t.cases, 1):.1f}", ms(ours.median), ms(ours.p95), ms(raw.median), ms(raw.p95),
            f"{ours.median / raw.median:.2f}×",
        ])  # fmt: skip
    table.notes += [
        "Each question runs over several parameter sets drawn from the generated graph (hubs and ordinary "
        "entities; see `bench/questions.py`), the p50/p95 are over all calls of all its sets.",
        "Raw: the statements the question sent (recorded), replayed in one session with auto-commit `run` "
        "and `.data()`; ours adds taking an idle read session for each read, value conversion, the "
        "Python logic (the projection's array walks and kept values, sorting) and the pydantic answer.",
    ]
    builds = [(t, t.index) for t in timings if t.index is not None]
    if builds:
        table.notes.append(
            "Search answers from an index held in the process; its raw side is only the freshness check "
            "(`meta_generation`, the change counter), so its ratio measures the in-memory matching, not driver "
            "overhead, and the 1.5× target is not applied to it. Building the index from the names the projection "
            "holds (after a graph question), and the first search before any graph question, which reads every "
            "name itself: "
            + ", ".join(f"{ENGINE_TITLES[t.engine]} {b.build_s:.2f} s / {b.first_search_s:.2f} s (the read "
                        f"{b.read_s:.2f} s; the projection itself {b.projection_s:.1f} s) at {t.size:,} nodes"
                        for t, b in builds)
            + "."
        )  # fmt: skip
    results.raw["questions"] = [t.as_dict() for t in timings]
    for engine in engines:
        overhead_target(results, [t for t in timings if t.engine == engine])
        built = [(t, t.index) for t in timings if t.engine == engine and t.index is not None]
        if built:
            last, index = max(built, key=lambda tb: tb[0].size)
            ok = index.build_s <= INDEX_BUILD_TARGET_S
            results.targets.append(
                Target(f"{ENGINE_TITLES[engine]}: search index build, {last.size:,} names",
                       f"{index.build_s:.2f} s from the projection's names (the first search before any graph "
                       f"question, reading every name itself: {index.first_search_s:.2f} s, the read "
                       f"{index.read_s:.2f} s; the projection, shared by the graph questions, took "
                       f"{index.projection_s:.1f} s to build)", f"≤ {INDEX_BUILD_TARGET_S:.0f} s", ok,
                       "" if ok else "the index's own build: every text folded and split in one pass, then "
                       "the phrases, the postings and the trigrams in numpy")
            )  # fmt: skip


def side_by_side(results: Results, timings: list[Timing], engines: list[str]) -> None:
    """Each question's p50 and p95 on each database, per size, with the ArcadeDB/Neo4j ratio of p50s."""
    both = {"arcadedb", "neo4j"} <= set(engines)
    table = results.table(
        "questions",
        "Questions side by side: p50 (p95) of partnergraph's Python API on each database, ms",
        ["question", "nodes", *(ENGINE_TITLES[e] for e in engines)] + (["ArcadeDB / Neo4j (p50)"] if both else []),
    )
    found = {(t.engine, t.question, t.size): t for t in timings}
    for question, size in sorted({(t.question, t.size) for t in timings}):
        stats = {e: Stat(found[(e, question, size)].ours) for e in engines if (e, question, size) in found}
        row = [question, num(size)]
        row += [f"{ms(stats[e].median)} ({ms(stats[e].p95)})" if e in stats else "–" for e in engines]
        if both:
            a, n = stats.get("arcadedb"), stats.get("neo4j")
            row.append(f"{a.median / n.median:.2f}×" if a and n else "–")
        table.rows.append(row)
    table.notes.append("Same graph, same parameter sets, same run; a ratio above 1 means ArcadeDB is slower.")


def overhead_target(results: Results, timings: list[Timing]) -> None:
    largest = max(t.size for t in timings)
    title = ENGINE_TITLES[timings[0].engine]
    worst = max(
        (t for t in timings if t.size == largest and t.question not in IN_MEMORY),
        key=lambda t: Stat(t.ours).median / Stat(t.raw).median,
    )
    ratio = Stat(worst.ours).median / Stat(worst.raw).median
    results.targets.append(
        Target(
            f"{title}: questions: our overhead over raw Cypher at p50, {largest:,} nodes (worst question)",
            f"{ratio:.2f}× ({worst.question})",
            f"≤ {OVERHEAD_TARGET}×",
            ratio <= OVERHEAD_TARGET,
            ""
            if ratio <= OVERHEAD_TARGET
            else f"{worst.question} reads {worst.rows / max(worst.cases, 1):,.0f} rows a call in "
            f"{worst.statements / max(worst.cases, 1):.0f} statements; ours adds the Python side (the "
            "projection's array walks, value conversion, the pydantic answer) and taking an idle read session "
            "for each read (see the fixed-cost table)",
        )
    )


def read_overhead(results: Results, db: Database, reps: int = 300, warm_s: float = 10.0) -> None:
    """The fixed cost of one read: `store.read` (an idle read session reused, one auto-commit statement,
    values converted) against an auto-commit `run` in an open session, on the trivial `ping` statement:
    `reps` calls each just after the questions, then again after `warm_s` of both in turn, untimed
    (the server was started for this size, and a fresh JVM compiles its hot code as it goes)."""
    query = REGISTRY.get("ping")

    def timed(calls: int) -> tuple[list[float], list[float]]:
        ours, raw = [], []
        with db.session() as session:
            for _ in range(calls):
                started = time.perf_counter()
                db.store.read("ping")
                middle = time.perf_counter()
                session.run(query).data()  # text from REGISTRY
                done = time.perf_counter()
                ours.append(middle - started)
                raw.append(done - middle)
        return ours, raw

    first = [Stat(found) for found in timed(reps)]
    deadline, warm_calls = time.perf_counter() + warm_s, 0
    while time.perf_counter() < deadline:
        timed(100)
        warm_calls += 100
    o, r = (Stat(found) for found in timed(reps))
    table = results.table(
        "questions", f"{db.title}: the fixed cost of one read (`ping`, {reps} calls each)",
        ["path", "just after the questions: p50 (ms)", "p95 (ms)", f"after {warm_calls:,} more of each: p50 (ms)",
         "p95 (ms)"],
    )  # fmt: skip
    for label, cold, warm in (
        ("`store.read`: an idle read session + auto-commit statement + conversion", first[0], o),
        ("raw: auto-commit `session.run` in an open session", first[1], r),
    ):
        table.rows.append([label, ms(cold.median), ms(cold.p95), ms(warm.median), ms(warm.p95)])
    table.notes.append(
        f"Judged on the second pass: {warm_s:.0f} s of both in turn, untimed, came between the two (a server "
        "in production is long past its first calls)."
    )
    holds = o.median <= READ_TARGET_S
    results.targets.append(
        Target(f"{db.title}: fixed cost of one store read (`ping`, p50)", f"{ms(o.median)} ms",
               f"≤ {READ_TARGET_S * 1000:.1f} ms", holds,
               "" if holds else "one auto-commit statement (RUN+PULL in one round trip) per read over Bolt, in an "
               f"idle session reused, values converted; the raw run in an open session takes {ms(r.median)} ms")
    )  # fmt: skip
    results.raw.setdefault("read_overhead", {})[db.engine] = {
        "ours": o.as_dict(), "raw": r.as_dict(), "first_ours": first[0].as_dict(), "first_raw": first[1].as_dict(),
        "warm_calls": warm_calls, "warm_s": warm_s,
    }  # fmt: skip
