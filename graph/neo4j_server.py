"""The managed Neo4j: Neo4j Community 5.26 (LTS) from Maven Central, started by partnergraph.

`tools/neo4j-server/` holds one launcher class and a pom pinning `org.neo4j:neo4j`. Maven builds
it once (dependencies cached in ~/.m2, output git-ignored); after that it runs offline. It needs a
Java 17+ and Maven on the machine, which ArcadeDB (the default) does not. The lifecycle is
graph/managed.py's, the same as ArcadeDB's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from graph.managed import ManagedServer, ServerStartError

DATABASE = "neo4j"
USER = "neo4j"
LAUNCHER_DIR = Path(__file__).resolve().parents[1] / "tools" / "neo4j-server"
MAIN_CLASS = "partnergraph.Neo4jServer"
MIN_JAVA = 17
PAGECACHE_MB = 128
# What Neo4j's own launcher passes; without them Neo4j warns and runs slower.
JVM_OPENS = ("java.base/java.nio", "java.base/sun.nio.ch", "java.base/java.lang")
BUILD_TIMEOUT_S = 900


class Neo4jUnavailable(ServerStartError):
    """Java 17+ or Maven is missing, or the build failed: said plainly, with what to do."""


def find_java() -> Path:
    """$JAVA_HOME/bin/java, else `java` on PATH; it must be Java 17 or newer."""
    home = os.environ.get("JAVA_HOME")
    found = Path(home) / "bin" / "java" if home else None
    if found is None or not found.exists():
        on_path = shutil.which("java")
        found = Path(on_path) if on_path else None
    if found is None:
        raise Neo4jUnavailable(
            f"PARTNERGRAPH_EMBEDDED=neo4j needs Java {MIN_JAVA}+ and Maven, and no `java` was found "
            "(set JAVA_HOME or install a JDK); the default embedded database, ArcadeDB, needs neither"
        )
    version = java_major(found)
    if version < MIN_JAVA:
        raise Neo4jUnavailable(f"Neo4j 5.26 needs Java {MIN_JAVA}+, and {found} is Java {version} (set JAVA_HOME)")
    return found


def java_major(java: Path) -> int:
    done = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def pinned_version(launcher: Path = LAUNCHER_DIR) -> str:
    """The Neo4j version the launcher's pom pins."""
    match = re.search(r"<neo4j.version>([^<]+)</neo4j.version>", (launcher / "pom.xml").read_text(encoding="utf-8"))
    return match.group(1) if match else "unknown"


def classpath(launcher: Path = LAUNCHER_DIR) -> str:
    target = launcher / "target"
    return os.pathsep.join([str(target / "classes"), str(target / "dependency" / "*")])


def build_launcher(launcher: Path = LAUNCHER_DIR, *, quiet: bool = True) -> None:
    """Build the launcher with Maven unless the build is newer than its sources (idempotent)."""
    target = launcher / "target"
    stamp = target / ".built"
    sources = [launcher / "pom.xml", *sorted((launcher / "src").rglob("*.java"))]
    if stamp.exists() and all(s.stat().st_mtime <= stamp.stat().st_mtime for s in sources):
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jUnavailable(
            "PARTNERGRAPH_EMBEDDED=neo4j builds its Neo4j launcher with Maven, and `mvn` was not found; "
            "install Maven (and Java 17+), or use the default embedded database, ArcadeDB"
        )
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".build-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes building at once would corrupt target/
        if stamp.exists() and all(s.stat().st_mtime <= stamp.stat().st_mtime for s in sources):
            return
        command = [mvn, "-B", *(["-q"] if quiet else []), "package", "dependency:copy-dependencies"]
        print("building the Neo4j launcher with Maven (once; later starts use the build)", file=sys.stderr)
        env = {**os.environ, "JAVA_HOME": str(find_java().resolve().parents[1])}
        try:
            done = subprocess.run(  # noqa: S603 - fixed command line, no shell
                command, cwd=launcher, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise Neo4jUnavailable(f"building the Neo4j launcher took over {BUILD_TIMEOUT_S} s") from exc
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
            raise Neo4jUnavailable(
                f"building the Neo4j launcher failed (mvn exit code {done.returncode}; a refused download "
                f"shows here). Last lines:\n{tail}"
            )
        stamp.touch()


class Neo4jServer(ManagedServer):
    """Neo4j Community over one data folder: Bolt on 127.0.0.1, auth on, password in a 0600 file."""

    engine = "neo4j"
    title = "managed Neo4j"
    database = DATABASE
    user = USER
    scheme = "neo4j"  # the routing driver, as Aura and clusters need; a single server answers it too

    def __init__(
        self,
        data_dir: Path,
        *,
        heap: str = "512m",
        start_timeout: float = 120.0,
        command_timeout_ms: int = 3_600_000,  # a ceiling for runaways; a large load is one transaction
        launcher: Path = LAUNCHER_DIR,
    ):
        super().__init__(data_dir, heap=heap, start_timeout=start_timeout, command_timeout_ms=command_timeout_ms)
        self.launcher = launcher
        self._java: Path | None = None

    def prepare(self) -> None:
        self._java = find_java()
        build_launcher(self.launcher)
        self.password()  # created before the start: the launcher reads it from the file

    def command(self, bolt_port: int, http_port: int) -> list[str]:
        del http_port  # the embedded Neo4j opens no HTTP port
        java = self._java or find_java()
        return [
            str(java),
            f"-Xmx{self.heap}",
            "-XX:+ExitOnOutOfMemoryError",
            "-Dfile.encoding=UTF-8",
            *(f"--add-opens={module}=ALL-UNNAMED" for module in JVM_OPENS),
            "-cp",
            classpath(self.launcher),
            MAIN_CLASS,
            str(self.root / "home"),
            str(bolt_port),
            str(self.password_file),
            str(self.command_timeout_ms),
            str(PAGECACHE_MB),
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        with contextlib.suppress(KeyError):
            del env["NEO4J_PASSWORD"]  # the server reads its password from the file, never the environment
        return env


if __name__ == "__main__":  # `make test` builds it up front, so its time shows apart from the tests'
    build_launcher(quiet=False)
