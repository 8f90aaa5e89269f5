"""The console corpus (tests/fixtures/console_corpus.yaml) on every database, through the store and
through `POST /cypher`: 0 bypasses (a refused payload that ran, or a graph that changed), 0 5xx
answers, and every allowed read answers. Past the guard, the servers' own locks still hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_api_support import Clients, graph_state, headers
from test_store_contract import seed

from graph.bolt import BoltStore
from graph.readonly import ReadOnlyRefused, check_readonly
from graph.store import GraphStore, QueryTimeout, StoreError, console_of

CORPUS_FILE = Path(__file__).parent / "fixtures" / "console_corpus.yaml"
CORPUS: list[dict[str, Any]] = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))
ISSUE_14_BYPASSES = {
    "CALL `db`.`schema`.`visualization`()",
    "WITH 1 AS `a'` CREATE (p:Pwn) RETURN '`' AS r",
    "CALL `dbms`.`components`()",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
}


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def test_the_corpus_is_large_and_holds_the_known_bypasses() -> None:
    assert len(CORPUS) >= 100
    assert {e["expect"] for e in CORPUS} == {"refused", "allowed"}
    assert all(set(e) == {"query", "expect", "why"} for e in CORPUS)
    refused = {e["query"] for e in CORPUS if e["expect"] == "refused"}
    assert refused >= ISSUE_14_BYPASSES
    assert len({e["query"] for e in CORPUS}) == len(CORPUS), "a payload is listed twice"


@pytest.mark.parametrize("entry", CORPUS, ids=[f"{i}-{e['expect']}" for i, e in enumerate(CORPUS)])
def test_the_guard_decides_each_payload(entry: dict[str, Any]) -> None:
    if entry["expect"] == "refused":
        with pytest.raises(ReadOnlyRefused):
            check_readonly(entry["query"])
    else:
        check_readonly(entry["query"])


def test_the_corpus_on_the_store(store: GraphStore) -> None:
    seed(store)
    before = graph_state(store)
    bypasses, failed_reads = [], []
    for entry in CORPUS:
        try:
            console_of(store).run_readonly(entry["query"], {"create": 1}, timeout_s=10, max_rows=50)
        except ReadOnlyRefused:
            if entry["expect"] == "allowed":
                failed_reads.append(entry["why"])
            continue
        if entry["expect"] == "refused":
            bypasses.append(entry["why"])
    assert bypasses == []
    assert failed_reads == []
    assert graph_state(store) == before


def test_the_corpus_through_the_api(store: GraphStore, client_for: Clients) -> None:
    seed(store)
    before = graph_state(store)
    client = client_for(store)
    outcomes: dict[str, list[str]] = {"bypass": [], "5xx": [], "read failed": [], "not a problem": []}
    for entry in CORPUS:
        body = {"query": entry["query"], "params": {"create": 1}}
        answer = client.post("/cypher", json=body, headers=headers("admin"))
        if answer.status_code >= 500:
            outcomes["5xx"].append(entry["why"])
        elif entry["expect"] == "refused" and answer.status_code < 400:
            outcomes["bypass"].append(entry["why"])
        elif entry["expect"] == "allowed" and answer.status_code != 200:
            outcomes["read failed"].append(f"{entry['why']}: {answer.status_code}")
        if answer.status_code >= 400 and not answer.headers["content-type"].startswith("application/problem+json"):
            outcomes["not a problem"].append(entry["why"])
    assert outcomes == {"bypass": [], "5xx": [], "read failed": [], "not a problem": []}
    assert graph_state(store) == before


def test_past_the_guard_the_servers_refuse_every_write_with_a_4xx(store: GraphStore) -> None:
    """Each refused payload straight to the server's locks: no change to the graph, and every error is
    one the API answers with a 4xx (a refusal or a timeout), never a server error."""
    assert isinstance(store, BoltStore)
    seed(store)
    before = graph_state(store)
    server_errors = []
    for entry in CORPUS:
        query = entry["query"]
        if entry["expect"] != "refused" or not query.strip() or "\x00" in query:
            continue  # the driver's own checks, not the server's
        try:
            store._run_under_server_locks(query, {"create": 1}, timeout_s=10, max_rows=10)
        except (ReadOnlyRefused, QueryTimeout):
            continue
        except StoreError as exc:
            server_errors.append(f"{entry['why']}: {exc}")
    assert server_errors == []
    assert graph_state(store) == before
