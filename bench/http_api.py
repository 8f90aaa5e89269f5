"""API: requests per second and latency with 16 concurrent clients, against the same question
called in-process from 16 threads.

The app runs as it does in production: `uvicorn --factory api.app:create_app` in a subprocess on
127.0.0.1, configured through the environment to use the benchmark's database over Bolt (the
`NEO4J_*` variables; the store recognises ArcadeDB by its agent), anonymous reader on loopback.
Clients are threads with one keep-alive connection each (`LeanClient`, the standard library's
http.client: a tenth of httpx's CPU a request, which matters when the clients share the app's two
cores). Both sides are bounded by a request count and a time limit. The throughput runs serve
with `THROUGHPUT_WORKERS` uvicorn workers (`partnergraph serve --workers`), one a core.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import psutil

from bench.common import ENGINE_TITLES, Database, Results, Stat, Target, group_cpu_s, ms, num, proc_status_mb
from bench.generate import THEME, Synthetic
from graph.managed import free_port, terminate

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120.0  # per request; slower answers count as errors
PARTNERS_SIZE = 10_000
PARTNERS_RPS = 300.0
THROUGHPUT_WORKERS = 2  # uvicorn workers for the many-client runs: one a core of the 2-core machine


class LeanClient:
    """One keep-alive HTTP/1.1 connection; `get` answers the status, or None when the request failed."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_S):
        address = urlsplit(base_url)
        self._host, self._port, self._timeout = address.hostname or "127.0.0.1", address.port or 80, timeout
        self._connection: http.client.HTTPConnection | None = None

    def get(self, path: str, params: dict[str, Any] | None = None) -> int | None:
        target = f"{path}?{urlencode(params, doseq=True)}" if params else path
        for attempt in (1, 2):  # a kept-alive connection the server closed is opened again, once
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request("GET", target)
                response = self._connection.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                self._connection.close()
                self._connection = None
                if attempt == 2:
                    return None
        return None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@dataclass
class Load:
    """What one closed-loop load run saw; where measured, the CPU each side spent per request (ms)."""

    latencies: list[float]
    errors: int
    seconds: float
    cpu_ms: dict[str, float] = field(default_factory=dict)  # "app", "clients", "database"

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        stat = Stat(self.latencies)
        return {"requests": len(self.latencies), "errors": self.errors, "seconds": self.seconds, "rps": self.rps,
                "p50_s": stat.median, "p95_s": stat.p95, "p99_s": stat.p99, "cpu_ms": self.cpu_ms}  # fmt: skip


def with_cpu(run: Callable[[], Load], processes: dict[str, list[int]]) -> Load:
    """`run()` with the CPU time (user + system) each group of processes spent, and this one's (the
    client threads), per request answered."""

    before = group_cpu_s(processes)
    clients = time.process_time()
    done = run()
    count = max(len(done.latencies) + done.errors, 1)
    done.cpu_ms = {name: 1000 * (used - before[name]) / count for name, used in group_cpu_s(processes).items()}
    done.cpu_ms["clients"] = 1000 * (time.process_time() - clients) / count
    return done


def cpu_text(load: dict[str, Any]) -> str:
    """'the app 3.1 ms, the clients 1.2 ms, the database 0.4 ms of CPU a request', when measured."""
    spent = load.get("cpu_ms") or {}
    parts = [f"the {name} {spent[name]:.1f} ms" for name in ("app", "clients", "database") if name in spent]
    return ", ".join(parts) + " of CPU a request" if parts else ""


def saturated(workers: int, clients: int, load: dict[str, Any]) -> str:
    """Why a many-client run falls short: the 2 cores are shared, and what each side spent of them."""
    app = "one uvicorn worker (one core at most)" if workers == 1 else f"{workers} uvicorn workers"
    return f"{app} on the 2 cores its {clients} client threads and the database also use: {cpu_text(load)}"


def closed_loop(call: Callable[[int], bool], clients: int, requests: int, seconds: float) -> Load:
    """`clients` threads calling `call(i)` back to back until `requests` calls or `seconds` passed.
    `call` returns False on an error (counted, not timed)."""
    lock = threading.Lock()
    counter = iter(range(requests))
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            started = time.perf_counter()
            ok = call(i)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    return Load(latencies, errors[0], time.perf_counter() - started)


@dataclass
class AppProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    database_pid: int
    workers: int = 1

    @property
    def pids(self) -> list[int]:
        """The app's processes: uvicorn, and its workers when there are several."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return [self.process.pid]
        return [self.process.pid, *(child.pid for child in children)]

    def peak_rss_mb(self) -> float:
        """The peak resident memory (VmHWM) of the app's largest process (a worker's), in MB."""
        return max(proc_status_mb(pid, "VmHWM") for pid in self.pids)

    def rss_mb(self) -> float:
        """The resident memory now (VmRSS) of the app's largest process, in MB."""
        return max(proc_status_mb(pid, "VmRSS") for pid in self.pids)

    @property
    def cpu_processes(self) -> dict[str, list[int]]:
        """The processes whose CPU a load run accounts for: the app's (every worker) and the database."""
        return {"app": self.pids, "database": [self.database_pid]}


@contextlib.contextmanager
def serve(
    db: Database, folder: Path, timeout: float = 60.0, *, workers: int = 1, keep_answers: bool = False
) -> Iterator[AppProcess]:
    """The app in a uvicorn subprocess on a free loopback port (`workers` processes), stopped on exit.
    Answers are not kept (PARTNERGRAPH_ANSWER_CACHE_MB=0) unless `keep_answers`: a route called back to
    back with the same parameters would otherwise time the cache, not the question."""
    assert db.server is not None
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": db.store.uri,
        "NEO4J_USERNAME": db.server.auth[0],
        "NEO4J_PASSWORD": db.server.auth[1],
        "NEO4J_DATABASE": str(db.store.database),
        "PARTNERGRAPH_HOST": "127.0.0.1",
        "PARTNERGRAPH_AUDIT_LOG": str(folder / "audit.jsonl"),
        "PARTNERGRAPH_DATA_DIR": str(folder / "db"),
        "PARTNERGRAPH_WORKERS": str(workers),
        # The benchmark measures the routes, not the limits that protect them.
        "PARTNERGRAPH_RATE_LIMIT_NETWORK": "none",
        "PARTNERGRAPH_RATE_LIMIT_MAPS": "none",
        "PARTNERGRAPH_RATE_LIMIT_CYPHER": "none",
        # Run from a scratch folder (no developer's .env is read) with the checkout importable.
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    if not keep_answers:
        env["PARTNERGRAPH_ANSWER_CACHE_MB"] = "0"
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)]  # fmt: skip
    log = (folder / "uvicorn.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    app = AppProcess(process, f"http://127.0.0.1:{port}", db.pid, workers)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the app exited with {process.returncode}: {(folder / 'uvicorn.log').read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(app.base_url + "/health", timeout=2.0).status_code == 200 and _all_up(app):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not answer within {timeout:.0f} s")
            time.sleep(0.2)
        yield app
    finally:
        terminate(process.pid, 10.0, process)
        log.close()


def _all_up(app: AppProcess) -> bool:
    """Every worker started (the first one up answers /health alone)."""
    if app.workers == 1:
        return True
    with contextlib.suppress(psutil.Error):
        children = psutil.Process(app.process.pid).children()
        return sum("spawn_main" in " ".join(child.cmdline()) for child in children) >= app.workers
    return False


def lean_load(
    app: AppProcess, targets: Sequence[tuple[str, dict[str, Any]]], clients: int, requests: int, seconds: float,
    *, warm_s: float = 0.0,
) -> Load:  # fmt: skip
    """`clients` threads with a keep-alive connection each, calling `targets` (path, query) in
    turn, after `warm_s` of the same load untimed; a timeout or a status other than 200 is an
    error of the run."""
    local = threading.local()

    def call(i: int) -> bool:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = LeanClient(app.base_url)
        path, params = targets[i % len(targets)]
        return client.get(path, params) == 200

    # Warm-up, untimed (first-call costs on both sides): each target a few times on fresh
    # connections, so that every worker has answered it.
    for _ in range(4 * app.workers):
        for path, params in targets:
            LeanClient(app.base_url).get(path, params)
    if warm_s > 0:
        closed_loop(call, clients, 1 << 30, warm_s)
    return with_cpu(lambda: closed_loop(call, clients, requests, seconds), app.cpu_processes)


def http_load(
    app: AppProcess, path: str, params: Sequence[dict[str, Any]], clients: int, requests: int, seconds: float
) -> Load:
    return lean_load(app, [(path, p) for p in params], clients, requests, seconds)


def in_process_load(
    question: Callable[[dict[str, Any]], object], params: Sequence[dict[str, Any]], clients: int, requests: int,
    seconds: float,
) -> Load:  # fmt: skip
    def call(i: int) -> bool:
        question(params[i % len(params)])
        return True

    for p in params:
        question(p)
    return closed_loop(call, clients, requests, seconds)


def run(
    results: Results, db: Database, graph: Synthetic, folder: Path, *, clients: int, requests: int, seconds: float
) -> dict[str, Any]:
    """Partners by themes over HTTP and in-process, 16 clients each, the same parameter mix."""
    from questions.partners import partners_page

    themes = graph.keys[THEME]
    top = max(4, len(themes) // 5)
    mix: list[dict[str, Any]] = [
        {"theme": themes[:2]},
        {"theme": [themes[2]]},
        {"theme": themes[3:5], "mode": "any"},
        {"theme": [themes[top]]},
    ]
    # Several workers where the target is set (10^4 nodes); one at 10^5, so that the memory reported
    # there is one process holding the whole projection.
    workers = THROUGHPUT_WORKERS if graph.nodes <= PARTNERS_SIZE else 1
    with serve(db, folder, workers=workers) as app:
        over_http = http_load(app, "/partners", mix, clients, requests, seconds)
        app_rss = app.peak_rss_mb()
    in_process = in_process_load(  # what the route does: the first page, 50 partners
        lambda p: partners_page(db.store, p["theme"], slice(0, 50), mode=p.get("mode", "all"))[0].json(),
        mix,
        clients,
        requests,
        seconds,
    )
    entry = {"engine": db.engine, "nodes": graph.nodes, "http": over_http.as_dict(), "in_process": in_process.as_dict(),
             "app_peak_rss_mb": app_rss, "workers": workers}  # fmt: skip
    results.raw.setdefault("api", []).append(entry)
    return entry


def table(results: Results, entries: list[dict[str, Any]], clients: int) -> None:
    out = results.table(
        "api",
        f"Partners by themes with {clients} concurrent clients: HTTP (uvicorn, loopback) against in-process",
        [
            "database",
            "nodes",
            "side",
            "requests (errors)",
            "req/s",
            "p50 (ms)",
            "p99 (ms)",
            "HTTP / in-process (req/s)",
        ],
    )
    for e in entries:
        h, p = e["http"], e["in_process"]
        db = ENGINE_TITLES[e["engine"]]
        out.rows.append([db, num(e["nodes"]), "HTTP `GET /partners`", f"{h['requests']:,} ({h['errors']})",
                         num(h["rps"], 1), ms(h["p50_s"]), ms(h["p99_s"]), f"{h['rps'] / p['rps']:.2f}"])  # fmt: skip
        out.rows.append([db, num(e["nodes"]), "in-process `partners_by_themes`", f"{p['requests']:,} ({p['errors']})",
                         num(p["rps"], 1), ms(p["p50_s"]), ms(p["p99_s"]), "1"])  # fmt: skip
    out.notes += [
        "Four parameter sets in turn (two popular themes, one theme, two themes in `any` mode, a sub-theme). "
        "Each side runs until its request count or its time limit; the clients are threads of the benchmark "
        "process (one keep-alive http.client connection each), so client, app and database share the same 2 cores.",
        "The app: `uvicorn --factory api.app:create_app` in a subprocess, anonymous reader on loopback, "
        "`/partners` answers the first page (50 partners) of the same question; "
        + ", ".join(f"{ENGINE_TITLES[e['engine']]} {e['nodes']:,}: {e.get('workers', 1)} worker(s)" for e in entries)
        + ".",
    ]
    for e in entries:
        if e["nodes"] != PARTNERS_SIZE:
            continue
        rps, ok = e["http"]["rps"], e["http"]["rps"] >= PARTNERS_RPS and e["http"]["errors"] == 0
        results.targets.append(
            Target(f"{ENGINE_TITLES[e['engine']]}: {clients} clients on `/partners`, {PARTNERS_SIZE:,} nodes",
                   f"{rps:.1f} req/s ({e['http']['errors']} errors)", f"≥ {PARTNERS_RPS:.0f} req/s", ok,
                   "" if ok else saturated(e.get("workers", 1), clients, e["http"]))
        )  # fmt: skip
    for engine in dict.fromkeys(e["engine"] for e in entries):
        last = [e for e in entries if e["engine"] == engine][-1]
        ratio = last["http"]["rps"] / last["in_process"]["rps"] if last["in_process"]["rps"] else float("nan")
        results.targets.append(
            Target(
                f"{ENGINE_TITLES[engine]}: API: partners by themes, {clients} clients, {last['nodes']:,} nodes",
                f"{last['http']['rps']:.1f} req/s, p99 {ms(last['http']['p99_s'])} ms "
                f"({ratio:.2f}× the in-process rate)",
                "(reported)",
                None,
            )
        )
