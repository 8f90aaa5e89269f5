"""What every benchmark family shares: timing statistics, result tables, targets, the database."""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import neo4j

from graph.bolt import BoltStore
from graph.connect import Engine, StoreConfig, managed_server, store_for
from graph.managed import ManagedServer


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100); with 3 runs p95 is close to the slowest run."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass
class Stat:
    """Repeated measurements of one thing, in seconds."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.runs, 95)

    @property
    def p99(self) -> float:
        return percentile(self.runs, 99)

    def as_dict(self) -> dict[str, Any]:
        return {"n": len(self.runs), "median_s": self.median, "p95_s": self.p95, "runs_s": self.runs}


def repeat(work: Callable[[], object], runs: int, *, setup: Callable[[], object] | None = None) -> Stat:
    """Time `work` `runs` times; `setup` (untimed) runs before each."""
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return Stat(times)


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "–"
    value = seconds * 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def num(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


@dataclass
class Table:
    family: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Target:
    name: str
    value: str  # the measured value, formatted
    target: str
    holds: bool | None  # None: not measured in this run
    why: str = ""


@dataclass
class Results:
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def table(self, family: str, title: str, columns: list[str]) -> Table:
        table = Table(family, title, columns)
        self.tables.append(table)
        return table

    def as_dict(self) -> dict[str, Any]:
        return {
            "tables": [asdict(t) for t in self.tables],
            "targets": [asdict(t) for t in self.targets],
            "raw": self.raw,
        }


ENGINE_TITLES = {"arcadedb": "ArcadeDB", "neo4j": "Neo4j"}


def proc_status_mb(pid: int, field_name: str) -> float:
    """A memory line of /proc/<pid>/status (VmRSS: resident now, VmHWM: peak), in MB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return math.nan
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return math.nan


def proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_s(processes: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds each named group of processes has used so far."""
    return {name: sum(proc_cpu_s(pid) for pid in pids) for name, pids in processes.items()}


def cpu_tick_ms() -> float:
    """The resolution of /proc's CPU times: one clock tick, in ms."""
    return 1000 / os.sysconf("SC_CLK_TCK")


def cpu_steal_share() -> tuple[float, float]:
    """This machine's CPU time so far (all cores) and the part of it the hypervisor stole, in ticks."""
    fields = [int(n) for n in Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:]]
    return float(sum(fields[:8])), float(fields[7])


@dataclass
class Database:
    """One managed database server (ArcadeDB or Neo4j) in its own folder, with our store and a raw
    driver on it; started the way the app starts it (graph.connect.managed_server / store_for)."""

    server: ManagedServer | None  # None: a store someone else manages (tests)
    store: BoltStore
    driver: neo4j.Driver
    engine: str = ""  # "arcadedb" or "neo4j"; empty: told by the store's server agent
    start_s: float = math.nan  # seconds from launch to the first answered query

    def __post_init__(self) -> None:
        if not self.engine:
            self.engine = self.store.info().backend

    @classmethod
    def start(cls, folder: Path, heap: str, engine: str = "arcadedb") -> Database:
        config = StoreConfig(data_dir=folder, embedded=cast(Engine, engine), heap=heap)
        server = managed_server(config)
        started = time.perf_counter()
        server.start()
        start_s = time.perf_counter() - started
        try:
            store = store_for(server)
            store.ensure_schema()
            # The store's own driver options that change what the server sends: the raw floor compares like with like.
            driver = neo4j.GraphDatabase.driver(server.uri, auth=server.auth, notifications_min_severity="OFF")
        except BaseException:
            server.stop()
            raise
        return cls(server, store, driver, engine, start_s)

    @property
    def title(self) -> str:
        return ENGINE_TITLES.get(self.engine, self.engine)

    @property
    def pid(self) -> int:
        assert self.server is not None and self.server.state is not None
        return self.server.state.pid

    def session(self) -> neo4j.Session:
        return self.driver.session(database=self.store.database)

    def jvm_peak_rss_mb(self) -> float:
        """The JVM's peak resident set (VmHWM), in MB."""
        return proc_status_mb(self.pid, "VmHWM")

    def jvm_cpu_s(self) -> float:
        """CPU seconds the server has used since it started."""
        return proc_cpu_s(self.pid)

    def jvm_rss_mb(self) -> float:
        """The JVM's resident set now (VmRSS), in MB."""
        return proc_status_mb(self.pid, "VmRSS")

    def error_lines(self, limit: int = 8) -> list[str]:
        """The last error lines the server logged: its console log, and Neo4j's own debug.log."""
        texts = [self.tail_log(400)]
        if self.server is not None and self.engine == "neo4j":
            try:
                debug = (self.server.root / "home" / "logs" / "debug.log").read_text(encoding="utf-8", errors="replace")
                texts.append("\n".join(debug.splitlines()[-2000:]))
            except OSError:
                pass
        marks = ("Error", "Exception", "Caused by")
        lines = [line.strip() for text in texts for line in text.splitlines() if any(m in line for m in marks)]
        return lines[-limit:]

    def tail_log(self, lines: int) -> str:
        return self.server.tail_log(lines) if self.server is not None else ""

    def stop(self) -> None:
        try:
            self.driver.close()
            self.store.close()
        finally:
            if self.server is not None:
                self.server.stop()
