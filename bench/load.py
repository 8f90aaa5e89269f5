"""Load benchmarks: batched writes (`store.apply`) against one statement per row, and load rates.

All three sides write the same records (the nodes, and the contact cards of the people who have
some) with the same Cypher files (`nodes_create`, `contacts_create`) into the same server (ArcadeDB
with txWalFlush=2: an fsync per commit; Neo4j: its transaction log, flushed on commit), and each
builds its rows from the records inside the timed part. Per row means one auto-commit statement
(one durable commit) per node and per card, as a naive loader would do; batched means
`BoltStore.apply`, which checks the stored state of the batch first (created/updated/unchanged),
then writes UNWIND batches in one transaction. The raw batched row (UNWIND per kind in one
transaction through the driver, no existence check, no change counter) shows what `apply`'s own
bookkeeping costs.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.common import ENGINE_TITLES, Database, Results, Stat, Target, ms, num
from bench.generate import CITY, PERSON
from graph.cypher import REGISTRY
from graph.model import Batch, NodeRecord
from graph.store import StoreError

PER_ROW_TARGET = 25.0


def node_row(node: NodeRecord) -> dict[str, Any]:
    """The row `BoltStore.apply` sends for a new node (see graph/bolt.py `_write_nodes`)."""
    props = node.stored_properties()
    sources = props.pop("sources", [])
    return {"key": node.key, "props": props, "sources": sources}


def card_row(node: NodeRecord) -> dict[str, Any]:
    """The row `BoltStore.apply` sends for the contact card of a new person (`contacts_create`)."""
    return {"key": node.key, "props": {"key": node.key, **node.personal}}


def per_row_vs_batched(db: Database, nodes: list[NodeRecord], runs: int, results: Results) -> None:
    schema = db.store.schema
    create = {kind: REGISTRY.get("nodes_create", schema, kind=kind) for kind in {n.kind for n in nodes}}
    cards = REGISTRY.get("contacts_create")

    def per_row() -> None:
        with db.session() as session:
            for node in nodes:
                session.run(create[node.kind], rows=[node_row(node)]).consume()  # text from REGISTRY
                if node.personal:
                    session.run(cards, rows=[card_row(node)]).consume()

    def batched() -> None:
        db.store.apply(Batch(nodes=list(nodes)))

    def raw_batched() -> None:
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for node in nodes:
            by_kind.setdefault(node.kind, []).append(node_row(node))
        card_rows = [card_row(n) for n in nodes if n.personal]

        def work(tx: Any) -> None:
            for kind, kind_rows in by_kind.items():
                tx.run(create[kind], rows=kind_rows).consume()
            tx.run(cards, rows=card_rows).consume()

        with db.session() as session:
            session.execute_write(work)

    other = Batch(nodes=[NodeRecord(key="bench-other", kind=CITY, name_en="Other", sources=nodes[0].sources)])

    db.store.clear()
    batched()  # warm-up: JIT and caches on the server, so the first measured run is not penalised
    stats: dict[str, list[float]] = {"per_row": [], "batched": [], "raw_batched": [], "batched_checked": []}
    steps = (("per_row", per_row), ("batched", batched), ("raw_batched", raw_batched), ("batched_checked", batched))
    for _ in range(runs):  # interleaved, so drift (other load on the machine) hits all alike
        for name, work in steps:
            db.store.clear()
            if name == "batched_checked":  # one other entity: the graph is not empty, every key is checked
                db.store.apply(other)
            started = time.perf_counter()
            work()
            stats[name].append(time.perf_counter() - started)
    db.store.clear()
    per, bat, raw, checked = (Stat(stats[k]) for k in ("per_row", "batched", "raw_batched", "batched_checked"))
    ratio = per.median / bat.median
    people = sum(1 for n in nodes if n.personal)
    table = results.table(
        "load",
        f"{db.title}: batched vs one statement per row, the first {len(nodes):,} nodes and {people:,} contact "
        f"cards, {runs} runs each, each commit durable",
        ["method", "median (ms)", "p95 (ms)", "rows/s (median)", "× faster than per row"],
    )
    for label, stat in (
        ("one auto-commit statement per row (`nodes_create` / `contacts_create`, 1-row `rows`)", per),
        ("`store.apply` (existence check + UNWIND + change counter, one transaction)", bat),
        ("raw driver: `nodes_create` UNWIND per kind + `contacts_create`, one transaction", raw),
        ("`store.apply` into a graph that is not empty (every key checked: `nodes_existing`)", checked),
    ):
        table.rows.append(
            [label, ms(stat.median), ms(stat.p95), num(len(nodes) / stat.median), num(per.median / stat.median, 1)]
        )
    results.raw.setdefault("load_per_row", {})[db.engine] = {
        "rows": len(nodes),
        "cards": people,
        "per_row": per.as_dict(),
        "batched": bat.as_dict(),
        "raw_batched": raw.as_dict(),
        "batched_checked": checked.as_dict(),
        "ratio": ratio,
    }
    why = ""
    if ratio < PER_ROW_TARGET:
        spread = sorted(p / b for p, b in zip(stats["per_row"], stats["batched"], strict=True))
        why = (
            f"per row costs {ms(per.median / len(nodes))} ms a row (one durable commit each), batched "
            f"{ms(bat.median / len(nodes))} ms a row; the raw UNWIND of the same records reaches "
            f"{per.median / raw.median:.0f}×, so `apply`'s own part (rows built from the records, existence check "
            f"or, into an empty graph, one probe, change counter) costs {own_part(bat.median, raw.median, len(nodes))}"
            f"; run by run the ratio was {spread[0]:.0f}×–{spread[-1]:.0f}× on the shared cores"
        )
    table.notes.append(
        "Each run starts from an empty graph, so `apply` sees with one probe (`nodes_any`) that no key can exist "
        "and skips its existence reads; into a graph that is not empty it checks every key (last row: "
        f"{per.median / checked.median:.1f}× per row). Both report created/updated/unchanged alike."
    )
    results.targets.append(
        Target(
            f"{db.title}: load: batched vs per row",
            f"{ratio:.1f}×",
            f"≥ {PER_ROW_TARGET:.0f}×",
            ratio >= PER_ROW_TARGET,
            why,
        )
    )


def own_part(batched_s: float, raw_s: float, rows: int) -> str:
    """What `apply` adds a row over the raw UNWIND; nothing measurable when its median is the lower."""
    if batched_s <= raw_s:
        return "nothing measurable (its median is below the raw one's)"
    return f"{ms((batched_s - raw_s) / rows)} ms a row"


def load_rate(db: Database, batch: Batch, runs: int, *, reload: bool) -> dict[str, Any]:
    """`store.apply` of a whole generated graph into an empty database; node and relation phases
    are told apart by apply's progress callback (called after the nodes, then after the relations)."""
    node_s, rel_s, total_s, server_cpu, client_cpu = [], [], [], [], []
    for i in range(runs):
        if i:
            db.store.clear()
        marks: list[float] = []
        cpu, own = db.jvm_cpu_s(), time.process_time()
        started = time.perf_counter()
        db.store.apply(batch, progress=lambda _n, marks=marks: marks.append(time.perf_counter()))  # type: ignore[misc]
        done = time.perf_counter()
        server_cpu.append(db.jvm_cpu_s() - cpu)
        client_cpu.append(time.process_time() - own)
        node_s.append(marks[0] - started)
        rel_s.append(marks[1] - marks[0])
        total_s.append(done - started)
    reload_s: float | str | None = None
    if reload:  # the same batch again: everything unchanged, nothing written
        started = time.perf_counter()
        try:
            summary = db.store.apply(batch)
        except StoreError as exc:  # the load itself committed: only the re-load is not measured
            reload_s = f"failed after {time.perf_counter() - started:.0f} s: {exc}"
        else:
            reload_s = time.perf_counter() - started
            assert not summary.changed, "a re-load of the same batch changed the graph"
    return {
        "reload_s": reload_s,
        **_phases(runs, batch, node_s, rel_s, total_s),
        "server_cpu_s": Stat(server_cpu).median,
        "client_cpu_s": Stat(client_cpu).median,
        "staged": len(batch.nodes) + len(batch.relations) + len(batch.provenance) >= db.store.staged_min,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


def _phases(runs: int, batch: Batch, node_s: list[float], rel_s: list[float], total_s: list[float]) -> dict[str, Any]:
    """A load's size and the statistics of its node phase, relation phase and whole, over `runs`."""
    return {
        "runs": runs,
        "nodes": len(batch.nodes),
        "relations": len(batch.relations),
        "node_phase": Stat(node_s).as_dict(),
        "relation_phase": Stat(rel_s).as_dict(),
        "total": Stat(total_s).as_dict(),
    }


def bulk_create(db: Database, batch: Batch, *, chunk: int = 5_000, one_transaction: bool = False) -> dict[str, float]:
    """Write a batch known to be new (`nodes_create`, `contacts_upsert`, `relations_create`) without
    `store.apply`'s existence checks, committing every `chunk` rows unless `one_transaction`: a bulk
    import into an empty database. Returns the seconds spent on nodes and on relations."""
    schema = db.store.schema
    by_kind: dict[str, list[dict[str, Any]]] = {}
    contacts: list[dict[str, Any]] = []
    for node in batch.nodes:
        by_kind.setdefault(node.kind, []).append(node_row(node))
        if node.personal:
            contacts.append({"key": node.key, "props": {"key": node.key, **node.personal}})
    by_type: dict[str, list[dict[str, Any]]] = {}
    for rel in batch.relations:
        by_type.setdefault(rel.type, []).append(
            {"start": rel.start, "end": rel.end, "key": rel.key, "props": rel.stored_properties()}
        )
    statements: list[tuple[str, str, list[dict[str, Any]]]] = []  # (phase, query, rows)
    for kind, rows in by_kind.items():
        statements += [
            ("nodes", REGISTRY.get("nodes_create", schema, kind=kind), rows[i : i + chunk])
            for i in range(0, len(rows), chunk)
        ]
    statements += [
        ("nodes", REGISTRY.get("contacts_upsert"), contacts[i : i + chunk]) for i in range(0, len(contacts), chunk)
    ]
    for rel_type, rows in by_type.items():
        statements += [
            ("relations", REGISTRY.get("relations_create", schema, rel=rel_type), rows[i : i + chunk])
            for i in range(0, len(rows), chunk)
        ]
    spent = {"nodes": 0.0, "relations": 0.0}

    def run(tx: Any, phase: str, query: str, rows: list[dict[str, Any]]) -> None:
        started = time.perf_counter()
        tx.run(query, rows=rows).consume()
        spent[phase] += time.perf_counter() - started

    with db.session() as session:
        if one_transaction:
            started = time.perf_counter()

            def everything(tx: Any) -> None:
                for statement in statements:
                    run(tx, *statement)

            session.execute_write(everything)
            spent["relations"] += time.perf_counter() - started - spent["nodes"] - spent["relations"]  # the commit
        else:
            for phase, query, rows in statements:
                started = time.perf_counter()
                session.execute_write(lambda tx, q=query, r=rows: tx.run(q, rows=r).consume())  # type: ignore[misc]
                spent[phase] += time.perf_counter() - started
    return spent


def write_cost(db: Database, people: list[str], rows: int = 200) -> dict[str, float]:
    """Per-row cost, in the loaded graph, of creating new Person nodes (`nodes_create`) and of
    updating existing ones (`nodes_update`, MATCH on the key), each rolled back afterwards."""
    schema = db.store.schema
    new = [
        {"key": f"bench-probe-{i}", "props": {"key": f"bench-probe-{i}", "kind": PERSON, "name_en": f"Probe {i}"},
         "sources": []}
        for i in range(rows)
    ]  # fmt: skip
    step = max(len(people) // rows, 1)
    existing = [{"key": key, "props": {"title_en": "probe"}, "sources": []} for key in people[::step][:rows]]
    out: dict[str, float] = {"people": float(len(people))}
    for name, batch in (("nodes_create", new), ("nodes_update", existing)):
        query = REGISTRY.get(name, schema, kind=PERSON)
        with db.session() as session:
            tx = session.begin_transaction()
            try:
                started = time.perf_counter()
                tx.run(query, rows=batch).consume()  # text from REGISTRY
                out[name] = (time.perf_counter() - started) / len(batch)
            finally:
                tx.rollback()
    return out


def size_tables(results: Results, by_engine: dict[str, list[dict[str, Any]]]) -> None:
    """One row per database and size: load rates of `store.apply` and of the bulk path, the per-row
    write costs; and the two databases' rates side by side."""
    side_by_side(results, by_engine)
    per_size = [e for entries in by_engine.values() for e in entries]
    table = results.table(
        "load",
        "Load rate by database and size (into an empty database)",
        [
            "database",
            "nodes",
            "relations",
            "method",
            "runs",
            "total median (s)",
            "total p95 (s)",
            "nodes/s",
            "relations/s",
            "entities/s",
        ],
    )
    for entry in per_size:
        for method, label in (("apply", "`store.apply`"), ("bulk", "bulk path")):
            stats = entry.get(method)
            if stats is None:
                table.rows.append(
                    [
                        ENGINE_TITLES[entry["engine"]],
                        num(entry["nodes"]),
                        num(entry["relations"]),
                        label,
                        "0",
                        "–",
                        "–",
                        "–",
                        "–",
                        entry.get(f"{method}_skipped", "not run"),
                    ]
                )
                continue
            node_s, rel_s, total = (stats[k]["median_s"] for k in ("node_phase", "relation_phase", "total"))
            table.rows.append(
                [
                    ENGINE_TITLES[entry["engine"]],
                    num(entry["nodes"]),
                    num(entry["relations"]),
                    label,
                    str(stats["runs"]),
                    f"{total:.2f}",
                    f"{stats['total']['p95_s']:.2f}",
                    num(entry["nodes"] / node_s),
                    num(entry["relations"] / rel_s),
                    num((entry["nodes"] + entry["relations"]) / total),
                ]
            )
    table.notes += [
        "`store.apply` reads the stored state of every node and relation first (to report created/updated/"
        "unchanged), then writes with `nodes_create` and `relations_create`, all in one transaction (all or "
        "nothing). The bulk path writes the same records with the same statements (plus `contacts_upsert`) "
        "without the reads and commits every 5,000 rows, as an import into an empty database could; both give "
        "the same stored graph (tests/test_bench_generator.py checks it).",
        "Node phase and relation phase are split by `apply`'s progress callback; the commit counts in the "
        "relation phase.",
    ]
    reload = [e for e in per_size if e.get("apply") and isinstance(e["apply"]["reload_s"], float)]
    if reload:
        table.notes.append(
            "Re-loading the same batch with `store.apply` (all unchanged, nothing written): "
            + ", ".join(
                f"{ENGINE_TITLES[e['engine']]} {e['apply']['reload_s']:.2f} s at {e['nodes']:,} nodes"
                f" ({(e['nodes'] + e['relations']) / e['apply']['reload_s']:,.0f} entities/s)"
                for e in reload
            )
            + "."
        )
    cost = results.table(
        "load",
        "Writing into the loaded graph: 200 new and 200 existing Person nodes (rolled back)",
        ["database", "graph nodes", "Person nodes stored", "`nodes_create` (ms/row)", "`nodes_update` (ms/row)"],
    )
    for entry in per_size:
        wc = entry.get("write_cost")
        if wc:
            cost.rows.append(
                [ENGINE_TITLES[entry["engine"]], num(entry["nodes"]), num(wc["people"]),
                 f"{wc['nodes_create'] * 1000:.3f}", f"{wc['nodes_update'] * 1000:.3f}"]
            )  # fmt: skip
    cost.notes.append(
        "Flat per-row costs mean loads stay linear. Before commit b18dd7d `store.apply` used "
        "a MERGE on two labels (`Entity:Kind` by key), which ArcadeDB answers without the key index: measured by this "
        "benchmark on the same graphs, 0.28 → 3.5 → 41 ms a row at 483 → 4,900 → 49,000 stored Person nodes "
        "(CREATE: 0.03–0.2 ms), so loading was quadratic and `store.apply` of the 100,000-node graph failed "
        "with TransactionTimedOut (a 5,000-row chunk exceeded the server's 30 s command timeout)."
    )


def _rate(entry: dict[str, Any], method: str) -> float:
    stats = entry.get(method)
    if not stats:
        return float("nan")
    return float(entry["nodes"] + entry["relations"]) / float(stats["total"]["median_s"])


def side_by_side(results: Results, by_engine: dict[str, list[dict[str, Any]]]) -> None:
    """Load rates of each database per size and method, with the ArcadeDB/Neo4j ratio."""
    engines = list(by_engine)
    table = results.table(
        "load",
        "Load rates side by side (entities/s, median; higher is faster)",
        ["nodes", "method", *(ENGINE_TITLES[e] for e in engines)]
        + (["ArcadeDB / Neo4j"] if {"arcadedb", "neo4j"} <= set(engines) else []),
    )
    for i, entry in enumerate(by_engine[engines[0]]):
        for method, label in (("apply", "`store.apply`"), ("bulk", "bulk path")):
            rates = {e: _rate(by_engine[e][i], method) for e in engines}
            row = [num(entry["nodes"]), label, *(num(rates[e]) for e in engines)]
            if {"arcadedb", "neo4j"} <= set(engines):
                ratio = rates["arcadedb"] / rates["neo4j"]
                row.append("–" if ratio != ratio else f"{ratio:.2f}×")
            table.rows.append(row)
    table.notes.append("A ratio above 1 means ArcadeDB loads faster; – means a load did not complete (see below).")


def bulk_rate(db: Database, batch: Batch, runs: int) -> dict[str, Any]:
    """The bulk path into an empty database, `runs` times; the graph stays loaded after the last."""
    node_s, rel_s, total_s = [], [], []
    for i in range(runs):
        if i:
            db.store.clear()
        started = time.perf_counter()
        spent = bulk_create(db, batch)
        total_s.append(time.perf_counter() - started)
        node_s.append(spent["nodes"])
        rel_s.append(spent["relations"])
    return _phases(runs, batch, node_s, rel_s, total_s)


def failing_load(db: Database, batch: Batch) -> dict[str, Any]:
    """`store.apply` of the whole batch plus provenance for a key that is nowhere: it fails after
    every node and relation is written (a staged load: after every chunk committed, then rolled back
    from its undo records). Returns the seconds it took and what was left: entities, relations, and
    the load's own bookkeeping (lease, undo records)."""
    from graph.model import Source

    db.store.clear()
    broken = Batch(nodes=batch.nodes, relations=batch.relations,
                   provenance={"bench-no-such-key": [Source(doc="bench", quote="fails last")]})  # fmt: skip
    started = time.perf_counter()
    try:
        db.store.apply(broken)
    except Exception as exc:
        failed_s = time.perf_counter() - started
        counts = db.store.counts()
        lease = [r for r in db.store.read("meta_generation") if r.get("load")]
        out = {"failed_s": failed_s, "error": f"{type(exc).__name__}: {exc}"[:200], "left": counts.total_nodes,
               "relations_left": counts.total_relations, "bookkeeping_left": len(lease)}  # fmt: skip
    else:
        raise AssertionError("the broken load was accepted")
    db.store.clear()
    return out
