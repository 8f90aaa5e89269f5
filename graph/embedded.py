"""The embedded default database: an ArcadeDB server that partnergraph starts, watches and stops.

It comes from the PyPI package `arcadedb-embedded` (a bundled Java runtime plus the server jars
with the Bolt plugin), so a bare machine with Python needs nothing else. The server speaks Bolt
and Neo4j 5 Cypher, which is what lets one adapter (graph/bolt.py) serve it and Neo4j alike. The
lifecycle (owned or detached, ready on a real query, stopped by PID) is graph/managed.py's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from graph.managed import ManagedServer, free_port

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


def package_dir() -> Path:
    import arcadedb_embedded  # noqa: PLC0415 - only needed when the embedded server is used

    return Path(arcadedb_embedded.__file__).resolve().parent


def java_command(root: Path, bolt_port: int, http_port: int, heap: str, timeout_ms: int) -> list[str]:
    """The server's command line; every flag is one measured in shared/notes/arcadedb-bolt.md.

    No password: the root user is declared, hashed, in config/server-users.jsonl before the start."""
    pkg = package_dir()
    jars = sorted(p for p in (pkg / "jars").glob("*.jar") if not any(x in p.name for x in EXCLUDED_JARS))
    props = {
        "arcadedb.server.rootPath": str(root),
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


class ArcadeDBServer(ManagedServer):
    """One ArcadeDB server over one data folder."""

    engine = "arcadedb"
    title = "embedded ArcadeDB"
    database = DATABASE
    user = ROOT_USER

    def __init__(
        self, data_dir: Path, *, heap: str = "512m", start_timeout: float = 90.0, command_timeout_ms: int = 30_000
    ):
        super().__init__(data_dir, heap=heap, start_timeout=start_timeout, command_timeout_ms=command_timeout_ms)

    def command(self, bolt_port: int, http_port: int) -> list[str]:
        return java_command(self.root, bolt_port, http_port, self.heap, self.command_timeout_ms)

    @property
    def readonly_auth(self) -> tuple[str, str]:
        """A database user that may only read: what the read-only Cypher console runs as."""
        return (READER_USER, self.secret(self.root / "reader-password"))

    def prepare(self) -> None:
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
            "password": _hash(self.readonly_auth[1]),
        }
        fd = os.open(users_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(u) + "\n" for u in users.values()))
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
