"""What the two managed databases share: a JVM that partnergraph starts, watches and stops.

Lifecycle rules, because a JVM left behind is a bug users notice:
- a server started for one command is *owned*: stopped with SIGTERM by its PID on exit, Ctrl-C
  or error, and tied to our process with PR_SET_PDEATHSIG so even a SIGKILL of ours stops it;
- `partnergraph db start` starts a *detached* server and records it in `server.json`; later
  commands attach to it and leave it running; `partnergraph db stop` stops it;
- ready means a real query answers, not an open port; a server that exits or never answers
  fails with its exit code and the last lines of its log.

Secrets are generated once, stored owner-only (0600), and never put on a command line.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import neo4j
import psutil
from neo4j import exceptions as neo4j_errors

from graph.cypher import REGISTRY
from graph.store import StoreUnavailable

PR_SET_PDEATHSIG = 1
RESTART_BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
log = logging.getLogger(__name__)


class ServerStartError(StoreUnavailable):
    """A managed server did not become ready; the message carries the last lines of its log."""


@dataclass(frozen=True)
class ServerState:
    pid: int
    bolt_port: int
    http_port: int
    detached: bool
    started: float = 0.0  # the process's start time: a PID reused by another process is not ours

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _process(pid: int, started: float = 0.0) -> psutil.Process | None:
    """The live process with this PID (and start time, when known), or None: gone, a zombie, or
    a reused PID now held by another program."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
            return None
        if started and abs(process.create_time() - started) > 1.0:
            return None
        return process
    except psutil.NoSuchProcess:
        return None


def pid_alive(pid: int, started: float = 0.0) -> bool:
    return _process(pid, started) is not None


def start_time(pid: int) -> float:
    """When the process started (0.0 if it is already gone)."""
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.NoSuchProcess:
        return 0.0


def _die_with_parent() -> None:
    """Run in the child before exec: the kernel sends SIGTERM to the JVM if we die."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def terminate(pid: int, timeout: float, process: subprocess.Popen[bytes] | None = None, started: float = 0.0) -> bool:
    """SIGTERM to `pid`, then wait; SIGKILL only if it does not stop in time."""
    target = _process(pid, started)
    if target is None:
        return False
    with contextlib.suppress(psutil.NoSuchProcess):
        target.terminate()
    try:
        if process is not None:  # our child: the standard library reaps it and records its exit
            process.wait(timeout)
        else:
            target.wait(timeout)
        return True
    except (subprocess.TimeoutExpired, psutil.TimeoutExpired):
        pass
    with contextlib.suppress(psutil.NoSuchProcess):
        target.kill()
    if process is not None:
        process.wait(10)
    else:
        with contextlib.suppress(psutil.TimeoutExpired):
            target.wait(10)
    print(f"warning: the database (pid {pid}) ignored SIGTERM for {timeout:.0f} s and was killed", file=sys.stderr)
    return True


class ManagedServer(ABC):
    """One database server over one data folder; subclasses say how to launch and reach it."""

    engine: str  # "arcadedb" or "neo4j": the folder under data_dir, and what users choose
    title: str  # for messages: "ArcadeDB", "Neo4j"
    database: str  # the database partnergraph uses on it
    user: str
    scheme = "bolt"  # what clients connect with; Neo4j answers routing requests, so "neo4j"

    def __init__(self, data_dir: Path, *, heap: str = "512m", start_timeout: float = 90.0, command_timeout_ms: int):
        self.root = Path(data_dir).resolve() / self.engine
        self.heap = heap
        self.start_timeout = start_timeout
        self.command_timeout_ms = command_timeout_ms
        self.state: ServerState | None = None
        self.owned = False
        self.restarts = 0
        self.down = threading.Event()  # set while a supervised server is dead or restarting
        self.on_restart: list[Callable[[], object]] = []  # run after a restart, before clients return
        self._process: subprocess.Popen[bytes] | None = None
        self._closing = threading.Event()
        self._supervisor: threading.Thread | None = None

    # -- what differs per database --------------------------------------------------------------

    @abstractmethod
    def command(self, bolt_port: int, http_port: int) -> list[str]:
        """The server's command line: no secret on it (a local user can read /proc/PID/cmdline)."""

    @abstractmethod
    def prepare(self) -> None:
        """Write whatever the server reads at start (users, config); called under the lock."""

    def environment(self) -> dict[str, str]:
        """The environment of the server process."""
        return dict(os.environ)

    @property
    def readonly_auth(self) -> tuple[str, str] | None:
        """A database user that may only read, where the database has one."""
        return None

    # -- files ----------------------------------------------------------------------------------

    @property
    def state_file(self) -> Path:
        return self.root / "server.json"

    @property
    def log_file(self) -> Path:
        return self.root / "log" / "server.out"

    @property
    def password_file(self) -> Path:
        return self.root / "root-password"

    def secret(self, path: Path) -> str:
        """A generated secret, created once with owner-only permissions."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(24))
        return path.read_text(encoding="utf-8").strip()

    def password(self) -> str:
        return self.secret(self.password_file)

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password())

    @property
    def uri(self) -> str:
        """Where clients connect, once started."""
        if self.state is None:
            raise StoreUnavailable(f"the {self.title} server is not started")
        return f"{self.scheme}://127.0.0.1:{self.state.bolt_port}"

    def read_state(self) -> ServerState | None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            return ServerState(**data)
        except (OSError, ValueError, TypeError):
            return None

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Two commands starting at once must not start two servers on one folder."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def tail_log(self, lines: int = 25) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log written)"
        return "\n".join(text.splitlines()[-lines:])

    # -- lifecycle ------------------------------------------------------------------------------

    def running(self) -> ServerState | None:
        """The recorded server, if its process is alive and answers a query."""
        state = self.read_state()
        if state is None or not pid_alive(state.pid, state.started):
            return None
        return state if self._answers(state, timeout=5.0) else None

    def start(self, *, detached: bool = False) -> ServerState:
        """Attach to a running server of this folder, or start one and wait until it answers."""
        return start_all([self], detached=detached)[0]

    def _launch(self, detached: bool, ports: tuple[int, int] | None = None) -> ServerState:
        """Attach, or start the process without waiting; the caller holds the lock."""
        state = self.running()
        if state is not None:
            self.state, self.owned = state, False
            return state
        self.state_file.unlink(missing_ok=True)
        self.prepare()
        bolt_port, http_port = ports or (free_port(), free_port())
        command = self.command(bolt_port, http_port)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            try:
                self._process = subprocess.Popen(  # noqa: S603 - fixed command line, no shell
                    command,
                    cwd=self.root,
                    env=self.environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it in order
                    preexec_fn=None if detached else _die_with_parent,  # noqa: PLW1509
                )
            except OSError as exc:
                raise ServerStartError(f"cannot start the {self.title} server ({command[0]}): {exc}") from exc
        state = ServerState(self._process.pid, bolt_port, http_port, detached, start_time(self._process.pid))
        self.state, self.owned = state, not detached
        return state

    def _ready(self) -> None:
        """Wait for a server this object launched, then record it for later commands."""
        if self._process is None or self.state is None:
            return  # attached to a running one
        self._wait_ready(self.state)
        self.state_file.write_text(json.dumps(asdict(self.state)), encoding="utf-8")

    def _answers(self, state: ServerState, timeout: float) -> bool:
        try:
            with (
                neo4j.GraphDatabase.driver(state.uri, auth=self.auth, connection_timeout=timeout) as driver,
                driver.session(database=self.database) as session,
            ):
                session.run(REGISTRY.get("ping")).consume()
            return True
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError):
            return False

    def _wait_ready(self, state: ServerState) -> None:
        """Ready means a real query answers: the Bolt port opens before the database exists."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ServerStartError(
                    f"the {self.title} server exited with code {self._process.returncode} while "
                    f"starting. Last lines of {self.log_file}:\n{self.tail_log()}"
                )
            if self._answers(state, timeout=2.0):
                return
            time.sleep(0.25)
        raise ServerStartError(
            f"the {self.title} server did not answer within {self.start_timeout:.0f} s. "
            f"Last lines of {self.log_file}:\n{self.tail_log()}"
        )

    def supervise(self) -> None:
        """Restart an owned server, with backoff, whenever it dies, on the same ports, so that
        clients reconnect by themselves; until `stop`. A server we only attached to is left alone."""
        if not self.owned or self._supervisor is not None:
            return
        self._closing.clear()
        self._supervisor = threading.Thread(target=self._watch, name=f"{self.engine}-supervisor", daemon=True)
        self._supervisor.start()

    def _watch(self) -> None:
        failures = 0
        while not self._closing.wait(0.25):
            process, state = self._process, self.state
            if process is None or state is None or process.poll() is None:
                continue
            self.down.set()
            delay = RESTART_BACKOFF_S[min(failures, len(RESTART_BACKOFF_S) - 1)]
            log.warning("the %s server exited (code %s); restarting in %.1f s", self.title, process.returncode, delay)
            if self._closing.wait(delay):
                return
            try:
                with self._lock():
                    # Launched from this thread, which lives until stop: PR_SET_PDEATHSIG follows threads.
                    self._launch(False, ports=(state.bolt_port, state.http_port))
                    self._ready()
                for hook in self.on_restart:
                    try:
                        hook()
                    except Exception as exc:  # a warm-up is best effort; the server is up
                        log.warning("after restarting the %s server: %s", self.title, exc)
                failures = 0
                self.restarts += 1
                self.down.clear()
                log.warning("the %s server is back (restart %d)", self.title, self.restarts)
            except ServerStartError as exc:
                failures += 1
                log.error("restarting the %s server failed: %s", self.title, exc)

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM to the server's own PID, then wait; SIGKILL only if it does not stop in time."""
        self._closing.set()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout)
            self._supervisor = None
        state = self.state or self.read_state()
        if state is None:
            return False
        stopped = terminate(state.pid, timeout, self._process, state.started)
        if self.read_state() == state:
            self.state_file.unlink(missing_ok=True)
        self.state, self._process, self.owned = None, None, False
        return stopped

    # -- backups ----------------------------------------------------------------------------------

    # Files a backup leaves out: they describe a running process, not the data.
    TRANSIENT = frozenset({"server.json", ".lock", "log", "logs"})

    def backup(self, archive: Path) -> int:
        """Copy the stopped server's folder (data, users, secrets) into a .tar.gz, owner-only.

        An offline copy, which Neo4j Community and ArcadeDB both restore as they were; a server
        `partnergraph db start` left running is stopped for the copy and started again. Returns
        the number of files archived."""
        with self._lock():
            state = self.running()
            if state is not None and not state.detached:
                raise StoreUnavailable(
                    f"the {self.title} server (pid {state.pid}) belongs to a running partnergraph command; "
                    "stop it first"
                )
            if state is not None:
                self.state = state
                self.stop()
            try:
                return self._archive(archive)
            finally:
                if state is not None:
                    self._launch(True)
                    self._ready()

    def _archive(self, archive: Path) -> int:
        if not self.root.exists():
            raise StoreUnavailable(f"there is no {self.title} database in {self.root}")
        archive.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the passwords
        count = 0
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as tar:
            for path in sorted(self.root.rglob("*")):
                relative = path.relative_to(self.root)
                if any(part in self.TRANSIENT for part in relative.parts):
                    continue
                if path.is_file():
                    tar.add(path, arcname=f"{self.engine}/{relative}", recursive=False)
                    count += 1
        return count

    def restore(self, archive: Path, *, replace: bool = False) -> int:
        """Unpack a backup of this engine into this folder; refuses to overwrite unless `replace`."""
        with self._lock():
            if self.running() is not None:
                raise StoreUnavailable(f"the {self.title} server is running on {self.root}; stop it first")
            existing = [p for p in self.root.iterdir() if p.name not in self.TRANSIENT] if self.root.exists() else []
            if existing and not replace:
                raise FileExistsError(f"{self.root} already holds a database; pass --replace to overwrite it")
            with tarfile.open(archive, "r:gz") as tar:
                members = tar.getmembers()
                foreign = [m.name for m in members if not m.name.startswith(f"{self.engine}/")]
                if foreign:
                    raise ValueError(f"{archive} is not a {self.title} backup (it holds {foreign[0]!r})")
                for path in existing:
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
                # The "data" filter refuses absolute paths, links out of the folder and device files.
                tar.extractall(self.root.parent, filter="data")
            return sum(1 for m in members if m.isfile())

    def close(self) -> None:
        """Stop the server if this object started it; leave a detached or attached one running."""
        if self.owned:
            self.stop()

    def __enter__(self) -> ManagedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_all(servers: list[ManagedServer], *, detached: bool = False) -> list[ServerState]:
    """Start several servers side by side and wait for all; if one fails, the ones started stop.

    Launched from this thread on purpose: PR_SET_PDEATHSIG fires when the launching *thread* ends."""
    with contextlib.ExitStack() as locks:
        try:
            for server in servers:
                locks.enter_context(server._lock())
                server._launch(detached)
            for server in servers:
                server._ready()
        except BaseException:
            for server in servers:
                if server.owned or (detached and server._process is not None):
                    server.stop()
            raise
    return [server.state for server in servers if server.state is not None]
