"""Admin: the read-only Cypher console (guard, row cap, audit) and the audit log route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from records import sourced
from test_api_support import Clients, audit_lines, graph_state, headers

from graph.store import GraphStore
from tests.test_readonly import REFUSED

ADMIN = headers("admin")


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def test_cypher_reads_with_a_row_cap(helsinki_store: GraphStore, client_for: Clients, tmp_path: Path) -> None:
    client = client_for(helsinki_store, cypher_max_rows=5)
    query = "MATCH (n:City) RETURN n.key AS key ORDER BY key"
    answer = client.post("/cypher", json={"query": query}, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["columns"] == ["key"] and body["row_count"] == 5 and body["truncated"] is True
    assert [r["key"] for r in body["rows"]] == sorted(r["key"] for r in body["rows"])
    small = client.post("/cypher", json={"query": query, "max_rows": 2}, headers=ADMIN).json()
    assert small["row_count"] == 2 and small["truncated"] is True
    bigger = client.post("/cypher", json={"query": query, "max_rows": 1000}, headers=ADMIN).json()
    assert bigger["row_count"] == 5  # the server's cap wins
    by_param = {"query": "MATCH (n:Entity {key: $key}) RETURN n.name_fi AS name", "params": {"key": "tallinn"}}
    params = client.post("/cypher", json=by_param, headers=ADMIN).json()
    assert params["rows"] == [{"name": "Tallinna"}]
    entries = [e for e in audit_lines(tmp_path / "audit.jsonl") if e["action"] == "cypher.run"]
    assert len(entries) == 4 and all(e["actor"] == "test-admin" for e in entries)
    assert "MATCH" not in (tmp_path / "audit.jsonl").read_text()  # a digest, not the query


def test_cypher_refuses_writes_and_leaves_the_graph_alone(store: GraphStore, client_for: Clients) -> None:
    client = client_for(store)
    client.post("/entities", json=sourced({"key": "helsinki", "kind": "City", "name_fi": "Helsinki"}), headers=ADMIN)
    before = graph_state(store)
    assert len(REFUSED) >= 30
    for query in REFUSED:  # writes, schema, admin, procedures, file access, several statements
        response = client.post("/cypher", json={"query": query}, headers=ADMIN)
        assert response.status_code in (400, 422), (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if response.status_code == 400:
            assert response.json()["type"].endswith("query-refused")
        assert query.strip() == "" or query not in response.text
    assert graph_state(store) == before


def test_audit_route_pages_and_filters(store: GraphStore, client_for: Clients) -> None:
    client = client_for(store)
    for i in range(5):
        created = client.post(
            "/entities", json=sourced({"key": f"c{i}", "kind": "City", "name_en": f"C{i}"}), headers=ADMIN
        )
        assert created.status_code == 201
    client.delete("/entities/c0", headers=headers("editor"))
    everything = client.get("/audit", headers=ADMIN).json()
    assert everything["total"] == 6 and everything["items"][0]["action"] == "entity.delete"
    assert everything["items"][0]["actor"] == "test-editor"
    page = client.get("/audit", params={"limit": 2, "offset": 1}, headers=ADMIN).json()
    assert [e["target"] for e in page["items"]] == ["c4", "c3"]
    creates = client.get("/audit", params={"action": "entity.create", "actor": "test-admin"}, headers=ADMIN).json()
    assert creates["total"] == 5
    assert client.get("/audit", params={"target": "c0"}, headers=ADMIN).json()["total"] == 2
    for who in ("anonymous", "reader", "contacts", "editor"):
        assert client.get("/audit", headers=headers(who)).status_code in (401, 403)
