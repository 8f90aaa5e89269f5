"""The managed databases, ArcadeDB and Neo4j, by the same rules: durability, a clear error when one
cannot start, loopback only, no secret on a command line, and no JVM left behind."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path

import psutil
import pytest

from graph.connect import ENGINES, store_for
from graph.embedded import ArcadeDBServer
from graph.managed import ManagedServer, ServerStartError, ServerState, free_port, pid_alive, start_time
from graph.model import Batch, parse_node
from graph.neo4j_server import Neo4jServer, Neo4jUnavailable, build_launcher
from graph.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "partnergraph.cli"]


MAIN_CLASSES = ("com.arcadedb.server.ArcadeDBServer", "partnergraph.Neo4jServer")


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def jvms_for(data_dir: Path) -> list[int]:
    """PIDs of managed database servers whose data is under `data_dir`."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (proc / "status").read_text()
        except OSError:
            continue
        ours = any(main in cmdline for main in MAIN_CLASSES) and str(data_dir.resolve()) in cmdline
        if ours and "State:\tZ" not in status:
            pids.append(int(proc.name))
    return pids


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def cli_env(data_dir: Path, engine: str = "arcadedb") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return {**env, "PARTNERGRAPH_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), "PARTNERGRAPH_EMBEDDED": engine}


LOOPBACK = {"0100007F", "0000000000000000FFFF00000100007F"}


def listening_addresses(port: int) -> set[str]:
    """Local addresses listening on `port`, from /proc/net/tcp{,6} (hex, as the kernel writes them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":
                found.add(address)
    return found


def test_acknowledged_write_survives_sigkill(tmp_path: Path, engine: str) -> None:
    schema = load_schema()
    server = ENGINES[engine](tmp_path)
    state = server.start()
    with store_for(server) as store:
        store.ensure_schema()
        store.apply(
            Batch([parse_node(schema, {"key": f"c{i}", "kind": "City", "name_en": f"C{i}"}, "t") for i in range(50)])
        )
    os.kill(state.pid, signal.SIGKILL)
    wait_until(lambda: not jvms_for(tmp_path), 10, "the killed JVM to go")
    again = ENGINES[engine](tmp_path)
    again.start()
    try:
        with store_for(again) as store:
            assert store.counts().nodes == {"City": 50}
    finally:
        again.stop()
    assert not jvms_for(tmp_path)


def test_servers_listen_on_loopback_only_and_keep_secrets_private(managed_servers: dict[str, ManagedServer]) -> None:
    for server in managed_servers.values():
        state = server.state
        assert state is not None
        ports = [state.bolt_port] + ([state.http_port] if isinstance(server, ArcadeDBServer) else [])
        for port in ports:
            addresses = listening_addresses(port)  # 127.0.0.1, possibly as IPv4-mapped IPv6 (::ffff:127.0.0.1)
            assert addresses and addresses <= LOOPBACK, f"{server.engine} port {port} listens on {addresses}"
        secrets = [server.password_file] + ([server.root / "reader-password"] if server.readonly_auth else [])
        for secret in secrets:
            assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        # Any local user can read a process's command line and environment names: no secret there.
        cmdline = Path(f"/proc/{state.pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{state.pid}/environ").read_bytes()
        for secret in secrets:
            value = secret.read_text().strip().encode()
            assert value not in cmdline and value not in environ, f"{server.engine} exposes {secret.name}"
    arcadedb = managed_servers["arcadedb"].state
    assert arcadedb is not None
    with urllib.request.urlopen(f"http://127.0.0.1:{arcadedb.http_port}/api/v1/ready") as answer:
        assert answer.status == 204


def test_neo4j_refuses_its_default_password(managed_servers: dict[str, ManagedServer]) -> None:
    import neo4j

    server = managed_servers["neo4j"]
    with (
        neo4j.GraphDatabase.driver(server.uri, auth=("neo4j", "neo4j")) as driver,
        pytest.raises(neo4j.exceptions.AuthError),
    ):
        driver.verify_connectivity()


def test_a_server_that_cannot_start_fails_with_its_log(tmp_path: Path, engine: str) -> None:
    server = ENGINES[engine](tmp_path, heap="1m", start_timeout=60)
    with pytest.raises(ServerStartError) as caught:
        server.start()
    message = str(caught.value)
    assert "exited with code" in message and "heap" in message.lower()
    assert not jvms_for(tmp_path)


def test_neo4j_without_java_or_maven_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(Neo4jUnavailable, match=r"Java 17\+ and Maven"):
        Neo4jServer(tmp_path).start()
    # A launcher that was never built, with Java but no Maven: the build step names Maven.
    launcher = tmp_path / "launcher"
    launcher.mkdir()
    (launcher / "pom.xml").write_text((ROOT / "tools" / "neo4j-server" / "pom.xml").read_text())
    with pytest.raises(Neo4jUnavailable, match="Maven"):
        build_launcher(launcher)
    assert not jvms_for(tmp_path)


def test_a_failing_maven_build_reports_its_output(tmp_path: Path) -> None:
    launcher = tmp_path / "launcher"
    (launcher / "src").mkdir(parents=True)
    (launcher / "pom.xml").write_text("<project>not a pom</project>")
    with pytest.raises(Neo4jUnavailable, match="mvn exit code"):
        build_launcher(launcher)


def test_load_csv_cannot_read_local_files(managed_servers: dict[str, ManagedServer]) -> None:
    import neo4j

    for server in managed_servers.values():
        with (
            neo4j.GraphDatabase.driver(server.uri, auth=server.auth) as driver,
            driver.session(database=server.database) as s,
            pytest.raises(neo4j.exceptions.Neo4jError),
        ):
            s.run("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line").data()


def test_cli_leaves_no_jvm_after_normal_exit_and_error(tmp_path: Path, engine: str) -> None:
    env = cli_env(tmp_path, engine)
    done = subprocess.run([*CLI, "info"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert engine in done.stdout.lower()
    assert not jvms_for(tmp_path)
    failed = subprocess.run(
        [*CLI, "load", str(tmp_path / "missing.csv")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode != 0 and "does not exist" in failed.stderr
    assert not jvms_for(tmp_path)


def _serve(tmp_path: Path, engine: str, *options: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([*CLI, "serve", "--port", str(port), *options], env=cli_env(tmp_path, engine))
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the API did not come up")


def test_api_leaves_no_jvm_after_ctrl_c(tmp_path: Path, engine: str) -> None:
    process, _ = _serve(tmp_path, engine)
    assert len(jvms_for(tmp_path)) == 1
    process.send_signal(signal.SIGINT)
    process.wait(60)
    assert not jvms_for(tmp_path)


def test_serve_with_two_workers_shares_one_database_and_stops_it(tmp_path: Path, engine: str) -> None:
    """`serve --workers 2`: one database started (and loaded) by the command, two worker processes
    attached to it answering, a write by another process seen by the next question in each (from
    its own projection), and Ctrl-C stops them all."""
    process, port = _serve(tmp_path, engine, "--workers", "2", "--load-if-empty")
    try:
        assert len(jvms_for(tmp_path)) == 1

        def workers() -> list[psutil.Process]:
            children = psutil.Process(process.pid).children(recursive=True)
            return [p for p in children if "spawn_main" in " ".join(p.cmdline())]

        wait_until(lambda: len(workers()) == 2, 60, "two worker processes")  # the first may answer alone
        started = workers()
        for _ in range(8):  # a new connection each: either worker may take it
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/entities/helsinki", timeout=30) as answer:
                assert json.load(answer)["key"] == "helsinki"
            # Each worker builds its projection before the write, so a stale one would answer 404 below.
            urllib.request.urlopen(f"http://127.0.0.1:{port}/neighbourhood?key=helsinki&depth=1", timeout=30).close()
        added = tmp_path / "added.csv"
        added.write_text("key:ID,:LABEL,name_en\nworkertown,City,Workertown\n", encoding="utf-8")
        loaded = subprocess.run([*CLI, "load", str(added)], env=cli_env(tmp_path, engine), capture_output=True,
                                text=True, timeout=180)  # fmt: skip
        assert loaded.returncode == 0, loaded.stderr
        for _ in range(8):  # each worker's projection moved with the counter: no 404 from a stale one
            url = f"http://127.0.0.1:{port}/neighbourhood?key=workertown&depth=1"
            with urllib.request.urlopen(url, timeout=30) as answer:
                assert [n["key"] for n in json.load(answer)["nodes"]] == ["workertown"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    assert not jvms_for(tmp_path)
    assert not [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_jvm_follows_when_the_app_is_killed(tmp_path: Path, engine: str) -> None:
    process, _ = _serve(tmp_path, engine)
    process.kill()  # SIGKILL: no Python cleanup runs; the kernel's parent-death signal must stop the JVM
    process.wait(10)
    wait_until(lambda: not jvms_for(tmp_path), 30, "the JVM to stop after its parent was killed")


def test_db_start_keeps_running_between_commands_until_stop(tmp_path: Path, engine: str) -> None:
    env = cli_env(tmp_path, engine)
    started = subprocess.run([*CLI, "db", "start"], env=env, capture_output=True, text=True, timeout=180)
    assert started.returncode == 0, started.stderr
    try:
        [pid] = jvms_for(tmp_path)
        assert subprocess.run([*CLI, "db", "status"], env=env, capture_output=True, timeout=60).returncode == 0
        info = subprocess.run([*CLI, "info"], env=env, capture_output=True, text=True, timeout=60)
        assert info.returncode == 0 and jvms_for(tmp_path) == [pid]  # attached, not restarted, not stopped
    finally:
        stopped = subprocess.run([*CLI, "db", "stop"], env=env, capture_output=True, text=True, timeout=60)
    assert "stopped" in stopped.stdout
    assert not jvms_for(tmp_path)
    assert subprocess.run([*CLI, "db", "status"], env=env, capture_output=True, timeout=60).returncode == 1


def test_a_state_file_whose_pid_now_belongs_to_another_process_is_left_alone(tmp_path: Path) -> None:
    """A PID in a stale state file may have been reused: its start time tells, so nothing is killed."""
    server = ArcadeDBServer(tmp_path)
    stranger = subprocess.Popen(["sleep", "60"])  # alive, and not the database
    try:
        server.root.mkdir(parents=True, exist_ok=True)
        stale = ServerState(stranger.pid, free_port(), free_port(), detached=True, started=1.0)
        server.state_file.write_text(json.dumps(asdict(stale)), encoding="utf-8")
        assert server.running() is None
        assert server.stop() is False
        assert stranger.poll() is None, "stop() signalled a process that was not the database"
        # With its real start time the same PID is recognised (and would be stopped).
        assert pid_alive(stranger.pid, start_time(stranger.pid))
    finally:
        stranger.kill()
        stranger.wait()
