"""The role matrix, route by route, walked from the app's own routes (so a new route is covered the
day it is added), plus the contact-field leak scan over every response of the run.

For each route and each caller (anonymous, reader, contacts, editor, admin): a caller at or above
the route's declared role gets neither 401 nor 403 (nor a 5xx); a caller below gets 401
(anonymous) or 403 (a key with too small a role).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_api_support import (
    KEYS,
    PLANTED_EMAIL,
    PLANTED_KEY,
    PLANTED_PHONE,
    ROLES,
    Clients,
    audit_lines,
    headers,
    make_settings,
    plant_contact,
)

from api.app import create_app
from api.security import api_routes, route_access
from graph.store import GraphStore
from partnergraph.access import Role


@dataclass
class Call:
    """One sample request; path parameters default to Helsinki entity keys."""

    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    path: dict[str, str] = field(default_factory=dict)


# Sample requests by (method, path). A route without one is still walked, with its path parameters
# filled with entity keys and no query or body: auth is decided before any of that is read.
SAMPLES: dict[tuple[str, str], Callable[[str], Call]] = {
    ("POST", "/entities"): lambda who: Call(json={"key": f"matrix-{who}", "kind": "City", "name_en": f"M {who}"}),
    ("PATCH", "/entities/{key}"): lambda who: Call(json={"description_en": f"Checked by {who}."}),
    ("DELETE", "/entities/{key}"): lambda who: Call(path={"key": f"matrix-missing-{who}"}),
    ("POST", "/relations"): lambda who: Call(json={"start": "helsinki", "type": "PARTNER_OF", "end": "tallinn"}),
    ("PATCH", "/relations/{start}/{end}/{key}"): lambda who: Call(
        path={"start": "helsinki", "end": "tallinn", "key": "helsinki|PARTNER_OF|tallinn"}, json={"note": who}
    ),
    ("DELETE", "/relations/{start}/{end}/{key}"): lambda who: Call(
        path={"start": "helsinki", "end": "tallinn", "key": "no-such-relation"}
    ),
    ("POST", "/cypher"): lambda who: Call(json={"query": "MATCH (n:Entity) RETURN n.key AS key LIMIT 3"}),
    ("GET", "/audit"): lambda who: Call(params={"limit": 5}),
    ("GET", "/contacts"): lambda who: Call(params={"key": "helsinki"}),
    ("GET", "/search"): lambda who: Call(params={"q": "Planted Person"}),
    ("GET", "/partners"): lambda who: Call(params={"theme": ["maas", "smart-city"]}),
    ("GET", "/paths"): lambda who: Call(params={"start": PLANTED_KEY, "end": "tallinn"}),
    ("GET", "/neighbourhood"): lambda who: Call(params={"key": ["helsinki", PLANTED_KEY]}),
    ("GET", "/brokers"): lambda who: Call(params={"top": 3}),
    # The maps draw the planted person too: their answers are scanned for its contact details.
    ("GET", "/maps/neighbourhood"): lambda who: Call(params={"key": PLANTED_KEY, "depth": 1}),
    ("GET", "/maps/neighbourhood.json"): lambda who: Call(params={"key": PLANTED_KEY, "depth": 1}),
    ("GET", "/maps/paths"): lambda who: Call(params={"start": PLANTED_KEY, "end": "tallinn"}),
    ("GET", "/maps/paths.json"): lambda who: Call(params={"start": PLANTED_KEY, "end": "tallinn"}),
    ("POST", "/explorer/export"): lambda who: Call(json={"keys": [PLANTED_KEY, "helsinki"], "format": "json"}),
    ("GET", "/static/{name}"): lambda who: Call(path={"name": "explorer.js"}),
    # The planted person is Helsinki's contact: its briefing is scanned for the contact details too.
    ("GET", "/briefings/{key}"): lambda who: Call(path={"key": "helsinki"}),
}
PATH_DEFAULTS = {"key": PLANTED_KEY, "start": "helsinki", "end": "tallinn", "theme": "climate", "kind": "City"}


def request_for(method: str, path: str, who: str) -> tuple[str, Call]:
    call = SAMPLES[(method, path)](who) if (method, path) in SAMPLES else Call()
    values = {**PATH_DEFAULTS, **call.path}
    url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "helsinki"), path)
    return url, call


def allowed(access: Role | str, who: str) -> bool:
    if access == "public":
        return True
    assert isinstance(access, Role)
    caller = Role.reader if who == "anonymous" else Role[who]  # anonymous is reader on loopback
    return caller >= access


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


@pytest.fixture
def planted_store(store: GraphStore) -> GraphStore:
    return plant_contact(store)


def test_every_route_declares_its_access(tmp_path: Path, store: GraphStore) -> None:
    app = create_app(make_settings(tmp_path), store=store)
    routes = api_routes(app)
    assert len(routes) >= 10
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in routes if route_access(r) is None]
    assert undeclared == []
    spec_operations = {(m.upper(), p) for p, item in app.openapi()["paths"].items() for m in item}
    walked = {(m, r.path_format) for r in routes for m in r.methods}
    assert spec_operations <= walked  # the walk sees every documented operation


def test_role_matrix(planted_store: GraphStore, client_for: Clients, tmp_path: Path) -> None:
    client = client_for(planted_store)
    routes = api_routes(client.app)  # type: ignore[arg-type]
    failures: list[str] = []
    bodies: dict[str, list[str]] = {who: [] for who in ROLES}
    for route in routes:
        access = route_access(route)
        assert access is not None
        for method in sorted(route.methods):
            for who in ROLES:
                url, call = request_for(method, route.path_format, who)
                response = client.request(method, url, params=call.params, json=call.json, headers=headers(who))
                bodies[who].append(response.text)
                status = response.status_code
                where = f"{method} {url} as {who} (route needs {access}): {status} {response.text[:200]}"
                if status >= 500:
                    failures.append("server error: " + where)
                elif allowed(access, who) and status in (401, 403):
                    failures.append("refused: " + where)
                elif not allowed(access, who) and status != (401 if who == "anonymous" else 403):
                    failures.append("admitted: " + where)
    assert failures == [], "\n".join(failures)

    # Personal contact fields: never for anonymous or reader, anywhere; the contacts role sees them.
    for who in ("anonymous", "reader"):
        leaked = [b[:200] for b in bodies[who] if PLANTED_EMAIL in b or PLANTED_PHONE in b]
        assert leaked == [], f"{who} saw contact details: {leaked}"
    assert any(PLANTED_EMAIL in b for b in bodies["contacts"]), "the contacts role never saw the planted email"
    log = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert PLANTED_EMAIL not in log and PLANTED_PHONE not in log
    reads = [e for e in audit_lines(tmp_path / "audit.jsonl") if e["action"] == "contacts.read"]
    assert {e["actor"] for e in reads} >= {"test-contacts"}
    assert all(PLANTED_KEY in e["persons"] for e in reads if e["actor"] == "test-contacts")


def test_without_anonymous_access_every_non_public_route_needs_a_key(
    helsinki_store: GraphStore, client_for: Clients
) -> None:
    for overrides in ({"host": "0.0.0.0"}, {"host": "10.1.2.3"}, {"host": "127.0.0.1", "anonymous": "none"}):
        client = client_for(helsinki_store, **overrides)
        for route in api_routes(client.app):  # type: ignore[arg-type]
            for method in route.methods:
                url, call = request_for(method, route.path_format, "anonymous")
                response = client.request(method, url, params=call.params, json=call.json)
                expected_public = route_access(route) == "public"
                assert (response.status_code == 401) != expected_public, (overrides, method, url, response.text)
                if response.status_code == 401:
                    assert response.headers["www-authenticate"].startswith("Bearer")
    # …and configured on, anonymous is a reader on any address
    open_client = client_for(helsinki_store, host="0.0.0.0", anonymous="reader")
    assert open_client.get("/stats").status_code == 200
    assert open_client.post("/entities", json={"key": "x", "kind": "City", "name_en": "X"}).status_code == 401


def test_bad_keys_are_401_everywhere_and_bearer_works(helsinki_store: GraphStore, client_for: Clients) -> None:
    client = client_for(helsinki_store)
    bad_headers = [
        {"X-API-Key": "pg_not_a_key"},
        {"X-API-Key": ""},
        {"X-API-Key": KEYS[Role.admin] + "x"},
        {"Authorization": "Bearer pg_not_a_key"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"X-API-Key": "' OR 1=1 --"},
    ]
    for route in api_routes(client.app):  # type: ignore[arg-type]
        for method in route.methods:
            url, call = request_for(method, route.path_format, "anonymous")
            for bad in bad_headers:
                response = client.request(method, url, params=call.params, json=call.json, headers=bad)
                assert response.status_code == 401, (method, url, bad, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
    as_bearer = client.get("/audit", headers={"Authorization": f"Bearer {KEYS[Role.admin]}"})
    assert as_bearer.status_code == 200
    assert client.get("/audit", headers={"Authorization": f"Bearer {KEYS[Role.editor]}"}).status_code == 403


def test_a_new_route_without_access_cannot_be_added(tmp_path: Path, store: GraphStore) -> None:
    app = create_app(make_settings(tmp_path), store=store)

    @app.get("/sneaky", summary="x", tags=["x"])
    def sneaky() -> dict[str, str]:
        return {}

    undeclared = [r.path for r in api_routes(app) if route_access(r) is None]
    assert undeclared == ["/sneaky"]
