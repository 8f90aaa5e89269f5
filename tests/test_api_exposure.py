"""Less exposure: `/health` never touches the database and tells no backend or version; every answer
(JSON, problems, pages, static files, the API docs) carries nosniff, a CSP with frame-ancestors
'none', and a Referrer-Policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from test_api_support import Clients, headers, make_settings

from api.app import create_app
from graph.store import GraphStore


class _UnreachableStore:
    """A store every use of which fails the test: proves a route never touched the database."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the route used the store ({name})")


def test_health_never_touches_the_database_and_tells_no_backend(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, host="0.0.0.0"), store=cast(GraphStore, _UnreachableStore()))
    with TestClient(app, raise_server_exceptions=True) as client:
        answer = client.get("/health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    text = answer.text.lower()
    assert not any(word in text for word in ("arcadedb", "neo4j", "agent", "backend", "version"))


def _assert_secured(answer: Any, where: str) -> str:
    assert answer.headers.get("x-content-type-options") == "nosniff", where
    assert answer.headers.get("referrer-policy") == "no-referrer", where
    policy: str = answer.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, where
    return policy


def test_every_answer_carries_the_security_headers(helsinki_store: GraphStore, tmp_path: Path) -> None:
    with Clients(tmp_path) as clients:
        client = clients(helsinki_store, max_body_bytes=2_048)
        reader = headers("reader")
        answers = {
            "health": client.get("/health"),
            "stats": client.get("/stats", headers=reader),
            "entity": client.get("/entities/helsinki", headers=reader),
            "404 problem": client.get("/no/such/thing"),
            "401 problem": client.get("/stats", headers={"X-API-Key": "wrong"}),
            "403 problem": client.get("/audit", headers=reader),
            "405 problem": client.put("/health"),
            "422 problem": client.get("/paths", params={"start": "helsinki"}, headers=reader),
            "413 problem": client.post("/cypher", content=b"x" * 4_096, headers=headers("admin")),
            "openapi": client.get("/openapi.json"),
            "explorer": client.get("/"),
            "static": client.get("/static/explorer.js"),
            "map page": client.get("/maps/neighbourhood", params={"key": "helsinki"}, headers=reader),
            "docs": client.get("/docs"),
        }
    for where, answer in answers.items():
        _assert_secured(answer, where)
    assert answers["413 problem"].status_code == 413 and answers["405 problem"].status_code == 405
    for where in ("health", "stats", "404 problem", "openapi"):
        assert answers[where].headers["content-security-policy"].startswith("default-src 'none'"), where


def test_the_docs_page_runs_only_its_own_scripts(store: GraphStore, tmp_path: Path) -> None:
    with Clients(tmp_path) as clients:
        answer = clients(store).get("/docs")
    assert answer.status_code == 200
    policy = _assert_secured(answer, "docs")
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src")).split()[1:]
    inline = re.findall(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", answer.text, re.DOTALL)
    assert inline == [], "the docs page starts Swagger UI from a file of ours, not an inline script"
    assert set(script_src) == {"'self'"}  # no 'unsafe-inline', no outside host
    assert "unsafe-eval" not in policy and "http" not in policy


@pytest.mark.parametrize("path", ["/maps/neighbourhood", "/"])
def test_pages_keep_their_own_policy_with_frame_ancestors(
    helsinki_store: GraphStore, tmp_path: Path, path: str
) -> None:
    with Clients(tmp_path) as clients:
        answer = clients(helsinki_store).get(path, params={"key": "helsinki"} if "maps" in path else None)
    assert answer.status_code == 200
    policy = _assert_secured(answer, path)
    assert "script-src 'self'" in policy and policy.count("frame-ancestors") == 1
