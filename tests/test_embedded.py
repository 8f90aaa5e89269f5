"""The embedded ArcadeDB server: durability, a clear error when it cannot start, and no JVM left behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from graph.bolt import BoltStore
from graph.embedded import DATABASE, ArcadeDBServer
from graph.managed import ServerStartError, free_port
from graph.model import Batch, parse_node
from graph.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "partnergraph.cli"]


def jvms_for(data_dir: Path) -> list[int]:
    """PIDs of ArcadeDB servers whose root is under `data_dir`."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if "ArcadeDBServer" in cmdline and str(data_dir.resolve()) in cmdline and "State:\tZ" not in status:
            pids.append(int(proc.name))
    return pids


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def cli_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return {**env, "PARTNERGRAPH_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}


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


def test_acknowledged_write_survives_sigkill(tmp_path: Path) -> None:
    schema = load_schema()
    server = ArcadeDBServer(tmp_path)
    state = server.start()
    with BoltStore(state.uri, server.auth, DATABASE) as store:
        store.ensure_schema()
        store.apply(
            Batch([parse_node(schema, {"key": f"c{i}", "kind": "City", "name_en": f"C{i}"}, "t") for i in range(50)])
        )
    os.kill(state.pid, signal.SIGKILL)
    wait_until(lambda: not jvms_for(tmp_path), 10, "the killed JVM to go")
    again = ArcadeDBServer(tmp_path)
    state = again.start()
    try:
        with BoltStore(state.uri, again.auth, DATABASE) as store:
            assert store.counts().nodes == {"City": 50}
    finally:
        again.stop()
    assert not jvms_for(tmp_path)


def test_server_listens_on_loopback_only_and_keeps_secrets_private(embedded_server: ArcadeDBServer) -> None:
    state = embedded_server.state
    assert state is not None
    for port in (state.bolt_port, state.http_port):
        addresses = listening_addresses(port)  # 127.0.0.1, possibly as IPv4-mapped IPv6 (::ffff:127.0.0.1)
        assert addresses and addresses <= LOOPBACK, f"port {port} listens on {addresses}, not loopback only"
    for secret in (embedded_server.password_file, embedded_server.root / "reader-password"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    with urllib.request.urlopen(f"http://127.0.0.1:{state.http_port}/api/v1/ready") as answer:
        assert answer.status == 204


def test_a_server_that_cannot_start_fails_with_its_log(tmp_path: Path) -> None:
    server = ArcadeDBServer(tmp_path, heap="1m", start_timeout=60)
    with pytest.raises(ServerStartError) as caught:
        server.start()
    message = str(caught.value)
    assert "exited with code" in message and "heap" in message.lower()
    assert not jvms_for(tmp_path)


def test_load_csv_cannot_read_local_files(embedded_server: ArcadeDBServer) -> None:
    import neo4j

    state = embedded_server.state
    assert state is not None
    with (
        neo4j.GraphDatabase.driver(state.uri, auth=embedded_server.auth) as driver,
        driver.session(database=DATABASE) as s,
        pytest.raises(neo4j.exceptions.Neo4jError),
    ):
        s.run("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line").data()


def test_cli_leaves_no_jvm_after_normal_exit_and_error(tmp_path: Path) -> None:
    done = subprocess.run([*CLI, "info"], env=cli_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "arcadedb" in done.stdout
    assert not jvms_for(tmp_path)
    failed = subprocess.run(
        [*CLI, "load", str(tmp_path / "missing.csv")],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode != 0 and "does not exist" in failed.stderr
    assert not jvms_for(tmp_path)


def _serve(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=cli_env(tmp_path))
    deadline = time.monotonic() + 90
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


def test_api_leaves_no_jvm_after_ctrl_c(tmp_path: Path) -> None:
    process, _ = _serve(tmp_path)
    assert len(jvms_for(tmp_path)) == 1
    process.send_signal(signal.SIGINT)
    process.wait(60)
    assert not jvms_for(tmp_path)


def test_jvm_follows_when_the_app_is_killed(tmp_path: Path) -> None:
    process, _ = _serve(tmp_path)
    process.kill()  # SIGKILL: no Python cleanup runs; the kernel's parent-death signal must stop the JVM
    process.wait(10)
    wait_until(lambda: not jvms_for(tmp_path), 30, "the JVM to stop after its parent was killed")


def test_db_start_keeps_running_between_commands_until_stop(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    started = subprocess.run([*CLI, "db", "start"], env=env, capture_output=True, text=True, timeout=120)
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
