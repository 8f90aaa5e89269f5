"""The embedded default database: an ArcadeDB server that partnergraph starts, watches and stops.

It comes from the PyPI package `arcadedb-embedded` (a bundled Java runtime plus the server jars
with the Bolt plugin), so a bare machine with Python needs nothing else. The server speaks Bolt
and Neo4j 5 Cypher, which is what lets one adapter (graph/bolt.py) serve it and Neo4j alike.

Lifecycle rules, because a JVM left behind is a bug users notice:
- a server started for one command is *owned*: stopped with SIGTERM by its PID on exit, Ctrl-C
  or error, and tied to our process with PR_SET_PDEATHSIG so even a SIGKILL of ours stops it;
- `partnergraph db start` starts a *detached* server and records it in `server.json`; later
  commands attach to it and leave it running; `partnergraph db stop` stops it.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import neo4j
from neo4j import exceptions as neo4j_errors

from graph.cypher import REGISTRY
from graph.store import StoreUnavailable

DATABASE = "graph"
ROOT_USER = "root"
READER_USER = "reader"
READER_GROUP = "partnergraph_reader"
# ArcadeDB's own password hash: PBKDF2-HMAC-SHA256, 65,536 rounds, salt used as its text form.
PBKDF2_ROUNDS = 65_536
READER_TIMEOUT_MS = 10_000
READER_RESULT_LIMIT = 100_000
# Jars that would open more ports or are not needed: MCP, Postgres and Redis wire protocols, GraphQL, console.
EXCLUDED_JARS = ("arcadedb-mcp", "postgresw", "redisw", "graphql", "console")
PR_SET_PDEATHSIG = 1


class EmbeddedStartError(StoreUnavailable):
    """The embedded server did not become ready; carries the last lines of its log."""


@dataclass(frozen=True)
class ServerState:
    pid: int
    bolt_port: int
    http_port: int
    detached: bool

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def package_dir() -> Path:
    import arcadedb_embedded  # noqa: PLC0415 - only needed when the embedded server is used

    return Path(arcadedb_embedded.__file__).resolve().parent


def java_command(root: Path, bolt_port: int, http_port: int, password: str, heap: str, timeout_ms: int) -> list[str]:
    """The server's command line; every flag is one measured in shared/notes/arcadedb-bolt.md."""
    pkg = package_dir()
    jars = sorted(p for p in (pkg / "jars").glob("*.jar") if not any(x in p.name for x in EXCLUDED_JARS))
    props = {
        "arcadedb.server.rootPath": str(root),
        "arcadedb.server.rootPassword": password,
        "arcadedb.server.httpIncomingHost": "127.0.0.1",
        "arcadedb.server.httpIncomingPort": str(http_port),
        "arcadedb.server.httpsIncomingPort": str(free_port()),
        "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        "arcadedb.bolt.host": "127.0.0.1",
        "arcadedb.bolt.port": str(bolt_port),
        "arcadedb.server.defaultDatabases": f"{DATABASE}[{ROOT_USER}]",
        # Otherwise LOAD CSV FROM 'file:///etc/passwd' reads local files.
        "arcadedb.opencypher.loadCsv.allowFileUrls": "false",
        # 0 survives a process kill but not power loss; 2 flushes the WAL with fsync on commit.
        "arcadedb.txWalFlush": "2",
        "arcadedb.command.timeout": str(timeout_ms),
    }
    return [
        str(pkg / "jre" / "bin" / "java"),
        f"-Xmx{heap}",
        "-Xss4m",
        *(f"-D{k}={v}" for k, v in props.items()),
        "-cp",
        os.pathsep.join(str(j) for j in jars),
        "com.arcadedb.server.ArcadeDBServer",
    ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def _die_with_parent() -> None:
    """Run in the child before exec: the kernel sends SIGTERM to the JVM if we die."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedServer:
    """One ArcadeDB server over one data folder."""

    def __init__(
        self,
        data_dir: Path,
        *,
        heap: str = "512m",
        start_timeout: float = 90.0,
        command_timeout_ms: int = 30_000,
    ):
        self.root = Path(data_dir).resolve() / "arcadedb"
        self.heap = heap
        self.start_timeout = start_timeout
        self.command_timeout_ms = command_timeout_ms
        self.state: ServerState | None = None
        self.owned = False
        self._process: subprocess.Popen[bytes] | None = None

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

    def _secret(self, path: Path) -> str:
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
        return self._secret(self.password_file)

    @property
    def auth(self) -> tuple[str, str]:
        return (ROOT_USER, self.password())

    @property
    def reader_auth(self) -> tuple[str, str]:
        """A database user that may only read: what the read-only Cypher console runs as."""
        return (READER_USER, self._secret(self.root / "reader-password"))

    def _write_security(self) -> None:
        """Declare the users and the read-only group before the server reads them.

        READ transactions and driver timeouts are not enforced by ArcadeDB (measured), so the
        console's safety rests on this group: read records only, server-side timeout and limit.
        """
        config = self.root / "config"
        config.mkdir(parents=True, exist_ok=True)
        users_file = config / "server-users.jsonl"
        users = {}
        if users_file.exists():
            for line in users_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    user = json.loads(line)
                    users[user["name"]] = user
        if ROOT_USER not in users:
            users[ROOT_USER] = {"name": ROOT_USER, "databases": {"*": ["admin"]}, "password": _hash(self.password())}
        users[READER_USER] = {
            "name": READER_USER,
            "databases": {DATABASE: [READER_GROUP]},
            "password": _hash(self.reader_auth[1]),
        }
        users_file.write_text("".join(json.dumps(u) + "\n" for u in users.values()), encoding="utf-8")
        os.chmod(users_file, 0o600)
        groups_file = config / "server-groups.json"
        groups = json.loads(groups_file.read_text(encoding="utf-8")) if groups_file.exists() else _default_groups()
        groups["databases"].setdefault("*", {"groups": {}})["groups"][READER_GROUP] = {
            "resultSetLimit": READER_RESULT_LIMIT,
            "readTimeout": READER_TIMEOUT_MS,
            "access": [],
            "types": {"*": {"access": ["readRecord"]}},
        }
        groups_file.write_text(json.dumps(groups, indent=2), encoding="utf-8")

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
        if state is None or not pid_alive(state.pid):
            return None
        return state if self._answers(state, timeout=5.0) else None

    def start(self, *, detached: bool = False) -> ServerState:
        """Attach to a running server of this folder, or start one and wait until it answers."""
        with self._lock():
            state = self.running()
            if state is not None:
                self.state, self.owned = state, False
                return state
            self.state_file.unlink(missing_ok=True)
            self._write_security()
            bolt_port, http_port = free_port(), free_port()
            command = java_command(self.root, bolt_port, http_port, self.password(), self.heap, self.command_timeout_ms)
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with self.log_file.open("ab") as log:
                self._process = subprocess.Popen(  # noqa: S603 - fixed command line, no shell
                    command,
                    cwd=self.root,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it in order
                    preexec_fn=None if detached else _die_with_parent,  # noqa: PLW1509
                )
            state = ServerState(self._process.pid, bolt_port, http_port, detached)
            self.state, self.owned = state, not detached
            try:
                self._wait_ready(state)
            except BaseException:
                self.stop()
                raise
            self.state_file.write_text(json.dumps(asdict(state)), encoding="utf-8")
            return state

    def _answers(self, state: ServerState, timeout: float) -> bool:
        try:
            with (
                neo4j.GraphDatabase.driver(state.uri, auth=self.auth, connection_timeout=timeout) as driver,
                driver.session(database=DATABASE) as session,
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
                raise EmbeddedStartError(
                    f"the embedded ArcadeDB server exited with code {self._process.returncode} while "
                    f"starting. Last lines of {self.log_file}:\n{self.tail_log()}"
                )
            if self._answers(state, timeout=2.0):
                return
            time.sleep(0.25)
        raise EmbeddedStartError(
            f"the embedded ArcadeDB server did not answer within {self.start_timeout:.0f} s. "
            f"Last lines of {self.log_file}:\n{self.tail_log()}"
        )

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM to the server's own PID, then wait; SIGKILL only if it does not stop in time."""
        state = self.state or self.read_state()
        if state is None:
            return False
        stopped = terminate(state.pid, timeout, self._process)
        if self.read_state() == state:
            self.state_file.unlink(missing_ok=True)
        self.state, self._process, self.owned = None, None, False
        return stopped

    def close(self) -> None:
        """Stop the server if this object started it; leave a detached or attached one running."""
        if self.owned:
            self.stop()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hash(password: str) -> str:
    salt = base64.b64encode(secrets.token_bytes(32)).decode()
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ROUNDS, dklen=32)
    return f"PBKDF2WithHmacSHA256${PBKDF2_ROUNDS}${salt}${base64.b64encode(digest).decode()}"


def _default_groups() -> dict[str, Any]:
    """ArcadeDB's own defaults (admin may do everything, others nothing), as it writes them."""
    record_access = ["createRecord", "readRecord", "updateRecord", "deleteRecord"]
    return {
        "databases": {
            "*": {
                "groups": {
                    "admin": {
                        "resultSetLimit": -1,
                        "readTimeout": -1,
                        "access": ["updateSecurity", "updateSchema", "updateDatabaseSettings"],
                        "types": {"*": {"access": record_access}},
                    },
                    "*": {"resultSetLimit": -1, "readTimeout": -1, "access": [], "types": {"*": {"access": []}}},
                }
            }
        },
        "version": 2,
    }


def terminate(pid: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> bool:
    if not pid_alive(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return True
        if process is None and not pid_alive(pid):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait(10)
    print(f"warning: ArcadeDB (pid {pid}) ignored SIGTERM for {timeout:.0f} s and was killed", file=sys.stderr)
    return True
