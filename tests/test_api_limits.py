"""Rate limits and key reloads: failed keys get 429 with Retry-After after the configured number,
expensive routes are limited per caller and group, and the keys file is re-read without a restart."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_api_support import KEYS, headers, make_settings

from api.app import create_app
from graph.store import GraphStore
from partnergraph.access import Role, hash_key, new_key
from partnergraph.settings import Settings

PROBLEM = "application/problem+json"


def client(store: GraphStore, tmp_path: Path, address: str = "203.0.113.7", **overrides: Any) -> TestClient:
    app = create_app(make_settings(tmp_path, **overrides), store=store)
    return TestClient(app, raise_server_exceptions=False, client=(address, 40000))


def assert_429(answer: Any) -> int:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    assert answer.json()["title"] == "Too many requests"
    retry_after = int(answer.headers["retry-after"])
    assert retry_after >= 1
    return retry_after


def test_failed_keys_get_429_after_the_limit(store: GraphStore, tmp_path: Path) -> None:
    with client(store, tmp_path, rate_limit_auth_failures="20/minute") as guesser:
        statuses = [guesser.get("/stats", headers={"X-API-Key": new_key()}).status_code for _ in range(30)]
        assert statuses == [401] * 20 + [429] * 10  # the limit, measured: 20 failures, then 429
        retry_after = assert_429(guesser.get("/stats", headers={"X-API-Key": new_key()}))
        assert retry_after <= 60
        # Blocked means blocked: the right key from this client waits too, on every route with a key.
        assert_429(guesser.get("/stats", headers=headers("reader")))
        assert_429(guesser.get("/health", headers={"Authorization": "Bearer " + new_key()}))
        assert guesser.get("/health").status_code == 200  # no key, nothing to guess
        assert guesser.get("/stats").status_code == 200  # anonymous reader on loopback
    with client(store, tmp_path, address="198.51.100.9", rate_limit_auth_failures="20/minute") as other:
        assert other.get("/stats", headers=headers("reader")).status_code == 200


def test_the_failure_window_moves_on(store: GraphStore, tmp_path: Path) -> None:
    with client(store, tmp_path, rate_limit_auth_failures="3/second") as guesser:
        assert [guesser.get("/stats", headers={"X-API-Key": "x"}).status_code for _ in range(4)] == [401] * 3 + [429]
        time.sleep(1.2)
        assert guesser.get("/stats", headers=headers("reader")).status_code == 200


def test_expensive_routes_are_limited_per_caller_and_group(helsinki_store: GraphStore, tmp_path: Path) -> None:
    paths = {"start": "helsinki", "end": "tallinn"}
    with client(helsinki_store, tmp_path, rate_limit_network="3/minute", rate_limit_cypher="2/minute") as api:
        reader, admin = headers("reader"), headers("admin")
        assert [api.get("/paths", params=paths, headers=reader).status_code for _ in range(3)] == [200] * 3
        assert_429(api.get("/neighbourhood", params={"key": "helsinki"}, headers=reader))  # same group
        assert api.get("/paths", params=paths, headers=admin).status_code == 200  # another caller
        assert api.get("/entities/helsinki", headers=reader).status_code == 200  # not a limited route
        query = {"query": "RETURN 1 AS one"}
        assert [api.post("/cypher", json=query, headers=admin).status_code for _ in range(2)] == [200, 200]
        assert_429(api.post("/cypher", json=query, headers=admin))
        assert api.get("/maps/neighbourhood.json", params={"key": "helsinki"}, headers=reader).status_code == 200


def test_rate_limit_settings_are_checked() -> None:
    assert Settings(rate_limit_network="5 per second").rate_limit_network == "5 per second"
    assert Settings(rate_limit_cypher="").rate_limit_cypher == "none"
    for wrong in ("fast", "10/fortnight", "1/minute;2/hour"):
        with pytest.raises(ValueError, match="rate limit"):
            Settings(rate_limit_maps=wrong)


def _write_keys(path: Path, entries: list[dict[str, str]]) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(json.dumps(entries), encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))  # a new mtime, even on coarse clocks


def test_api_keys_reload_without_a_restart(store: GraphStore, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    fresh = new_key()
    _write_keys(keys_file, [])
    with client(store, tmp_path, api_keys_file=keys_file, host="0.0.0.0") as api:
        assert api.get("/stats", headers={"X-API-Key": fresh}).status_code == 401
        _write_keys(keys_file, [{"name": "new-ops", "role": "admin", "sha256": hash_key(fresh)}])
        deadline = time.monotonic() + 5
        while api.get("/audit", headers={"X-API-Key": fresh}).status_code != 200:
            assert time.monotonic() < deadline, "the new key was not picked up"
            time.sleep(0.2)
        # A file that does not parse keeps the keys that worked (and says so in the log).
        keys_file.write_text("{not json", encoding="utf-8")
        os.utime(keys_file, ns=(time.time_ns() + 4_000_000_000,) * 2)
        time.sleep(1.1)
        assert api.get("/audit", headers={"X-API-Key": fresh}).status_code == 200
        # Revoked: gone from the file, refused within the recheck interval.
        _write_keys(keys_file, [])
        os.utime(keys_file, ns=(time.time_ns() + 6_000_000_000,) * 2)
        deadline = time.monotonic() + 5
        while api.get("/audit", headers={"X-API-Key": fresh}).status_code != 401:
            assert time.monotonic() < deadline, "the revoked key still works"
            time.sleep(0.2)
        assert api.get("/stats", headers={"X-API-Key": KEYS[Role.reader]}).status_code == 200  # settings' keys stay
