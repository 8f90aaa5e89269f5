"""The API's conventions: problem+json errors without internals, body limit, CORS, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends
from test_api_support import Clients, headers, make_settings

from api.app import create_app
from api.security import public, require
from graph.store import GraphStore, StoreError, StoreUnavailable
from partnergraph.access import Role

PROBLEM = "application/problem+json"


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    assert "Traceback" not in response.text and "MATCH" not in response.text
    return body


def test_health_is_public_and_stats_count_the_graph(store: GraphStore, client_for: Any) -> None:
    client = client_for(store, host="0.0.0.0")  # anonymous access off
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert_problem(client.get("/stats"), 401)
    stats = client.get("/stats", headers=headers("reader"))
    assert stats.status_code == 200 and stats.json()["total_nodes"] == 0


def test_schema_lists_kinds_relation_types_and_colours(store: GraphStore, client_for: Any) -> None:
    body = client_for(store).get("/schema").json()
    kinds = {k["name"]: k for k in body["kinds"]}
    assert kinds["City"]["colour"] == "#1f77b4" and kinds["Person"]["shape"] == "triangle"
    person_props = {p["name"]: p for p in kinds["Person"]["properties"]}
    assert person_props["email"]["personal"] is True and person_props["title_en"]["personal"] is False
    types = {t["name"]: t for t in body["relation_types"]}
    assert types["PARTNER_OF"]["symmetric"] is True and types["MEMBER_OF"]["targets"] == ["Network"]


def test_unknown_paths_and_methods_are_problems(store: GraphStore, client_for: Any) -> None:
    client = client_for(store)
    body = assert_problem(client.get("/no/such/thing"), 404)
    assert body["instance"] == "/no/such/thing"
    assert_problem(client.put("/health"), 405)


def test_request_validation_names_the_field(store: GraphStore, client_for: Any) -> None:
    client = client_for(store)
    body = assert_problem(client.get("/audit", params={"limit": -1}, headers=headers("admin")), 422)
    error = body["errors"][0]
    assert (error["record"], error["field"]) == ("request", "query.limit") and error["reason"]


def test_bodies_over_the_limit_are_refused_before_parsing(store: GraphStore, client_for: Any) -> None:
    client = client_for(store, max_body_bytes=2_048)
    big = {"key": "x", "kind": "City", "name_en": "y" * 5_000}
    assert_problem(client.post("/entities", json=big, headers=headers("editor")), 413)

    def chunks() -> Any:  # no Content-Length: the middleware counts what streams in
        for _ in range(10):
            yield b"x" * 1_000

    response = client.post(
        "/entities", content=chunks(), headers={**headers("editor"), "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_unexpected_errors_are_generic_500_problems(store: GraphStore, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    app = create_app(make_settings(tmp_path), store=store)

    def boom() -> None:
        raise RuntimeError("secret internals: MATCH (n) RETURN n")

    def unavailable() -> None:
        raise StoreUnavailable("bolt://10.0.0.1:7687 refused: MATCH (n) RETURN n")

    def store_error() -> None:
        raise StoreError("the graph database refused the query 'MATCH (n) RETURN n' (Neo.ClientError)")

    for path, call in (("/boom", boom), ("/unavailable", unavailable), ("/store-error", store_error)):
        app.add_api_route(path, call, dependencies=[Depends(public())])
    with TestClient(app, raise_server_exceptions=False) as client:
        for path, status in (("/boom", 500), ("/unavailable", 503), ("/store-error", 500)):
            response = client.get(path)
            body = assert_problem(response, status)
            assert "secret" not in response.text and "10.0.0.1" not in response.text
            assert "Neo.ClientError" not in response.text
            assert body["instance"] == path


def test_cors_is_closed_unless_configured(store: GraphStore, client_for: Any) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    closed = client_for(store)
    assert (
        "access-control-allow-origin" not in closed.get("/health", headers={"Origin": "https://evil.example"}).headers
    )
    assert "access-control-allow-origin" not in closed.options("/health", headers=preflight).headers
    opened = client_for(store, cors_origins=["https://app.example"])
    ok = opened.get("/health", headers={"Origin": "https://app.example"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    assert (
        "access-control-allow-origin" not in opened.get("/health", headers={"Origin": "https://evil.example"}).headers
    )


def test_openapi_documents_every_route_with_tag_summary_role_and_problem_errors(
    store: GraphStore, client_for: Any
) -> None:
    spec = client_for(store).get("/openapi.json").json()
    assert spec["components"]["schemas"]["Problem"]
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(operations) >= 10
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("tags") and op.get("summary"), where
        assert op["x-partnergraph-role"] in {"public", *(r.name for r in Role)}, where
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert list(response["content"]) == [PROBLEM], where


def test_a_route_without_declared_access_stops_the_app(store: GraphStore, tmp_path: Path) -> None:
    from fastapi import APIRouter

    from api.routes import health

    router = APIRouter(tags=["x"])

    @router.get("/undeclared", summary="x")
    def undeclared() -> dict[str, str]:
        return {}

    @router.get("/declared", summary="x", dependencies=[Depends(require(Role.reader))])
    def declared() -> dict[str, str]:
        return {}

    original = health.router.routes[:]
    try:
        health.router.routes.extend(router.routes)
        with pytest.raises(RuntimeError, match="/undeclared"):
            create_app(make_settings(tmp_path), store=store)
    finally:
        health.router.routes[:] = original
