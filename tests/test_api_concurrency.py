"""Concurrent editors, on ArcadeDB and on Neo4j: ETag / If-Match refuse a stale write (412), and
eight writers racing for the same records for 60 s lose no update, create no duplicate, see no
500, and leave every saved write audited exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reads import reads_of
from records import sourced
from test_api_support import Clients, audit_lines, graph_state, headers

from graph.store import GraphStore

EDITOR = headers("editor")
SOURCE = [{"doc": "test", "quote": "A test fact."}]
WRITERS = 8
RACE_S = 60.0


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def initiative(key: str, year: int = 0) -> dict[str, Any]:
    return {"key": key, "kind": "Initiative", "name_en": key, "properties": {"year": year}, "sources": SOURCE}


def test_the_etag_is_the_version_of_what_the_answer_shows(store: GraphStore, client_for: Clients) -> None:
    """Read with the entity's properties, in the same statement: by key or by name, the version
    the store gives; and a key resolves and reads, relations and all, in one statement (answers not
    kept: a kept one reads nothing but the change counter)."""
    client = client_for(store, answer_cache_mb=0)
    assert client.post("/entities", json=sourced(initiative("nycx")), headers=EDITOR).status_code == 201
    by_key, by_name = client.get("/entities/nycx"), client.get("/entities/NYCX")
    assert by_key.headers["etag"] == by_name.headers["etag"] == f'"{store.versions(["nycx"])["nycx"]}"'
    assert by_key.json() == by_name.json() | {"resolved": by_key.json()["resolved"]}
    with reads_of(store) as reads:
        assert client.get("/entities/nycx").headers["etag"] == by_key.headers["etag"]
    assert [name for name in reads if name.startswith("q_")] == ["q_entity"], reads


def test_if_match_refuses_a_stale_write_and_changes_nothing(store: GraphStore, client_for: Clients) -> None:
    client = client_for(store)
    created = client.post("/entities", json=sourced(initiative("nycx")), headers=EDITOR)
    assert created.status_code == 201, created.text
    first = client.get("/entities/nycx").headers["etag"]
    assert first == created.headers["etag"]

    changed = client.patch("/entities/nycx", json={"name_fi": "NYCx"}, headers={**EDITOR, "If-Match": first})
    assert changed.status_code == 200, changed.text
    second = changed.headers["etag"]
    assert second != first and client.get("/entities/nycx").headers["etag"] == second

    before = graph_state(store)
    stale = client.patch("/entities/nycx", json={"name_fi": "lost"}, headers={**EDITOR, "If-Match": first})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
    assert client.delete("/entities/nycx", headers={**EDITOR, "If-Match": first}).status_code == 412
    assert graph_state(store) == before

    client.post("/entities", json=sourced(initiative("c40")), headers=EDITOR)
    rel = client.post(
        "/relations",
        json=sourced({"start": "nycx", "type": "PART_OF", "end": "c40", "sources": SOURCE}),
        headers=EDITOR,
    )
    assert rel.status_code == 201, rel.text
    path = f"/relations/nycx/c40/{rel.json()['target']}"
    moved = client.patch(path, json={"note": "one"}, headers={**EDITOR, "If-Match": rel.headers["etag"]})
    assert moved.status_code == 200 and moved.headers["etag"] != rel.headers["etag"]
    late = client.patch(path, json={"note": "two"}, headers={**EDITOR, "If-Match": rel.headers["etag"]})
    assert late.status_code == 412
    gone = client.delete(path, headers={**EDITOR, "If-Match": moved.headers["etag"]})
    assert gone.status_code == 200
    assert client.delete("/entities/nycx", headers={**EDITOR, "If-Match": '"*"'}).status_code == 200


@pytest.mark.slow
def test_eight_concurrent_editors_lose_no_update(store: GraphStore, client_for: Clients, tmp_path: Path) -> None:
    client = client_for(store)
    counters = [f"counter-{i}" for i in range(3)]  # few records: the writers collide all the time
    for key in counters:
        assert client.post("/entities", json=sourced(initiative(key)), headers=EDITOR).status_code == 201
    increments: Counter[str] = Counter()
    created: list[str] = []
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + RACE_S

    def editor(number: int) -> None:
        round_ = 0
        try:
            while time.monotonic() < deadline:
                round_ += 1
                key = counters[(number + round_) % len(counters)]
                # Read, add one, write back only if nobody wrote in between; else read again.
                for _attempt in range(200):
                    read = client.get(f"/entities/{key}")
                    year = read.json()["properties"]["year"]
                    answer = client.patch(
                        f"/entities/{key}",
                        json={"properties": {"year": year + 1}},
                        headers={**EDITOR, "If-Match": read.headers["etag"]},
                    )
                    with lock:
                        statuses[answer.status_code] += 1
                    if answer.status_code == 200:
                        with lock:
                            increments[key] += 1
                        break
                    if answer.status_code != 412:
                        failures.append(f"PATCH {key}: {answer.status_code} {answer.text[:200]}")
                        return
                # A new record, sent twice with one Idempotency-Key as a client retrying would.
                new_key = f"new-{number}-{round_}"
                for _ in range(2):
                    answer = client.post(
                        "/entities", json=sourced(initiative(new_key)), headers={**EDITOR, "Idempotency-Key": new_key}
                    )
                    with lock:
                        statuses[answer.status_code] += 1
                    if answer.status_code != 201:
                        failures.append(f"POST {new_key}: {answer.status_code} {answer.text[:200]}")
                        return
                with lock:
                    created.append(new_key)
        except Exception as exc:  # reported below, on the main thread
            failures.append(f"editor {number}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{store.info().backend}: {dict(statuses)}, {sum(increments.values())} increments, {len(created)} creates")
    assert failures == []
    assert statuses[412] > 0, "the editors never collided: the test proves nothing"
    assert set(statuses) <= {200, 201, 412}
    for key in counters:  # every acknowledged increment is there: no lost update
        assert client.get(f"/entities/{key}").json()["properties"]["year"] == increments[key]
    counts = store.counts()
    assert counts.nodes["Initiative"] == len(counters) + len(created)  # no duplicate from the retries
    entries = audit_lines(tmp_path / "audit.jsonl")
    committed = Counter((e["action"], e["target"]) for e in entries if e.get("status") == "committed")
    assert all(committed[("entity.create", key)] == 1 for key in created)
    assert sum(n for (action, _), n in committed.items() if action == "entity.update") == sum(increments.values())
