"""Editor writes: the loaders' validation, one transaction each, an audit entry each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from records import sourced
from test_api_support import PLANTED_EMAIL, PLANTED_PHONE, Clients, audit_lines, graph_state, headers

from graph.store import GraphStore

EDITOR = headers("editor")


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def city(key: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "kind": "City", "name_en": name, **extra}


def test_entity_lifecycle_is_written_and_audited(store: GraphStore, client_for: Clients, tmp_path: Path) -> None:
    client = client_for(store)
    created = client.post(
        "/entities",
        json=sourced(
            city(
                "tallinn",
                "Tallinn",
                properties={"country": "Estonia", "capital": True},
                sources=[{"doc": "strategy", "quote": "Tallinn is a partner."}],
            )
        ),
        headers=EDITOR,
    )
    assert created.status_code == 201, created.text
    assert created.json()["summary"]["created"] == {"City": 1}
    node = store.snapshot(["tallinn"]).nodes["tallinn"]
    assert node["country"] == "Estonia" and node["capital"] is True and node["kind"] == "City"

    changed = client.patch(
        "/entities/tallinn", json={"name_fi": "Tallinna", "properties": {"region": "Baltics"}}, headers=EDITOR
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["before"] == {} or "name_fi" not in body["before"]
    assert body["after"]["name_fi"] == "Tallinna" and body["after"]["region"] == "Baltics"
    node = store.snapshot(["tallinn"]).nodes["tallinn"]
    assert (node["name_fi"], node["name_en"], node["country"], node["region"]) == (
        "Tallinna",
        "Tallinn",
        "Estonia",
        "Baltics",
    )

    again = client.patch("/entities/tallinn", json={"name_fi": "Tallinn FI"}, headers=EDITOR).json()
    assert again["before"]["name_fi"] == "Tallinna" and again["after"]["name_fi"] == "Tallinn FI"

    deleted = client.delete("/entities/tallinn", headers=EDITOR)
    assert deleted.status_code == 200 and deleted.json()["summary"]["deleted"] == {"City": 1}
    assert store.counts().total_nodes == 0

    entries = audit_lines(tmp_path / "audit.jsonl")
    assert [e["action"] for e in entries] == ["entity.create", "entity.update", "entity.update", "entity.delete"]
    assert {e["actor"] for e in entries} == {"test-editor"} and all(e["target"] == "tallinn" for e in entries)
    assert entries[2]["before"]["name_fi"] == "Tallinna" and entries[2]["after"]["name_fi"] == "Tallinn FI"
    assert entries[3]["before"]["name_en"] == "Tallinn"


def test_search_sees_writes_at_once(store: GraphStore, client_for: Clients) -> None:
    client = client_for(store)
    client.post("/entities", json=sourced(city("helsinki", "Helsinki")), headers=EDITOR)
    assert [r["entity"]["key"] for r in client.get("/search", params={"q": "Helsinki"}).json()["results"]] == [
        "helsinki"
    ]
    assert client.get("/search", params={"q": "Vantaa"}).json()["results"] == []
    client.post("/entities", json=sourced(city("vantaa", "Vantaa")), headers=EDITOR)
    assert client.get("/search", params={"q": "Vantaa"}).json()["results"][0]["entity"]["key"] == "vantaa"
    client.patch("/entities/vantaa", json={"aliases": ["Vanda"]}, headers=EDITOR)
    assert client.get("/search", params={"q": "Vanda"}).json()["results"][0]["entity"]["key"] == "vantaa"
    client.delete("/entities/vantaa", headers=EDITOR)
    assert client.get("/search", params={"q": "Vantaa"}).json()["results"] == []


def test_relation_lifecycle(store: GraphStore, client_for: Clients, tmp_path: Path) -> None:
    client = client_for(store)
    for key, name in (("helsinki", "Helsinki"), ("tallinn", "Tallinn")):
        assert client.post("/entities", json=sourced(city(key, name)), headers=EDITOR).status_code == 201
    created = client.post(
        "/relations",
        json=sourced({"start": "tallinn", "type": "PARTNER_OF", "end": "helsinki", "since": "1993-01-01"}),
        headers=EDITOR,
    )
    assert created.status_code == 201, created.text
    key = created.json()["target"]
    assert key == "helsinki|PARTNER_OF|tallinn"  # symmetric: the same key whichever way round
    duplicate = client.post(
        "/relations", json=sourced({"start": "helsinki", "type": "PARTNER_OF", "end": "tallinn"}), headers=EDITOR
    )
    assert duplicate.status_code == 409

    changed = client.patch(f"/relations/helsinki/tallinn/{key}", json={"note": "Twin cities."}, headers=EDITOR)
    assert changed.status_code == 200, changed.text
    edges = list(store.snapshot(["helsinki", "tallinn"]).edges(data=True))
    assert len(edges) == 1 and edges[0][2]["note"] == "Twin cities." and str(edges[0][2]["since"]) == "1993-01-01"

    bad = client.patch(f"/relations/helsinki/tallinn/{key}", json={"until": "1990-01-01"}, headers=EDITOR)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "until"

    assert client.delete(f"/relations/helsinki/tallinn/{key}", headers=EDITOR).status_code == 200
    assert store.counts().total_relations == 0
    client.post(
        "/relations", json=sourced({"start": "tallinn", "type": "PARTNER_OF", "end": "helsinki"}), headers=EDITOR
    )
    gone = client.delete("/entities/tallinn", headers=EDITOR).json()
    assert gone["before"]["relations"] == ["tallinn -PARTNER_OF-> helsinki"]  # as stored
    assert store.counts().total_relations == 0 and store.counts().total_nodes == 1
    assert client.delete(f"/relations/helsinki/tallinn/{key}", headers=EDITOR).status_code == 404
    actions = [e["action"] for e in audit_lines(tmp_path / "audit.jsonl")]
    assert actions[-5:] == ["relation.create", "relation.update", "relation.delete", "relation.create", "entity.delete"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (city("x", "X") | {"kind": "Planet"}, "kind"),
        (city("x", "X", properties={"population": 5}), "population"),
        (city("x", "X", properties={"capital": "yes"}), "capital"),
        (city("x", '=HYPERLINK("http://evil")'), "name_en"),
        ({"key": "x", "kind": "City"}, "name_fi/name_en"),
        (city("bad key with spaces", "X"), "key"),
        (city("x", "X", url="javascript:alert(1)"), "url"),
        (city("x", "X", properties={"name_fi": "Y"}), "properties.name_fi"),
        ({"key": "p", "kind": "Person", "name_en": "P", "properties": {"email": "not-an-email"}}, "email"),
    ],
)
def test_invalid_entities_are_refused_with_the_field(
    store: GraphStore, client_for: Clients, body: dict[str, Any], field: str
) -> None:
    response = client_for(store).post("/entities", json=sourced(body), headers=EDITOR)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["field"] for e in response.json()["errors"]), response.json()
    assert store.counts().total_nodes == 0


def test_relations_are_checked_against_the_store(store: GraphStore, client_for: Clients) -> None:
    client = client_for(store)
    client.post("/entities", json=sourced(city("helsinki", "Helsinki")), headers=EDITOR)
    client.post("/entities", json=sourced({"key": "mobility", "kind": "Theme", "name_en": "Mobility"}), headers=EDITOR)
    before = graph_state(store)
    cases = [
        ({"start": "helsinki", "type": "PARTNER_OF", "end": "nowhere"}, "end"),
        ({"start": "helsinki", "type": "MEMBER_OF", "end": "mobility"}, "type"),
        ({"start": "helsinki", "type": "LIKES", "end": "mobility"}, "type"),
        ({"start": "helsinki", "type": "TOUCHES", "end": "helsinki"}, "end"),
        ({"start": "helsinki", "type": "TOUCHES", "end": "mobility", "basis": "rumour"}, "basis"),
    ]
    for body, field in cases:
        response = client.post("/relations", json=sourced(body), headers=EDITOR)
        assert response.status_code == 422, (body, response.text)
        assert any(e["field"] == field for e in response.json()["errors"]), (body, response.json())
    assert graph_state(store) == before


def test_conflicts_and_missing_targets(store: GraphStore, client_for: Clients) -> None:
    client = client_for(store)
    assert client.post("/entities", json=sourced(city("helsinki", "Helsinki")), headers=EDITOR).status_code == 201
    assert client.post("/entities", json=sourced(city("helsinki", "Other")), headers=EDITOR).status_code == 409
    other_kind = client.post(
        "/entities", json=sourced({"key": "helsinki", "kind": "Theme", "name_en": "H"}), headers=EDITOR
    )
    assert other_kind.status_code == 409
    assert client.patch("/entities/nowhere", json={"name_en": "N"}, headers=EDITOR).status_code == 404
    assert client.delete("/entities/nowhere", headers=EDITOR).status_code == 404
    nulled = client.patch("/entities/helsinki", json={"name_en": None}, headers=EDITOR)
    assert nulled.status_code == 422 and nulled.json()["errors"][0]["field"].endswith("name_en")
    assert client.patch("/entities/helsinki", json={"kind": "Theme"}, headers=EDITOR).status_code == 422
    assert store.snapshot(["helsinki"]).nodes["helsinki"]["name_en"] == "Helsinki"


def test_personal_fields_are_written_but_never_audited_or_echoed(
    store: GraphStore, client_for: Clients, tmp_path: Path
) -> None:
    client = client_for(store)
    person = {
        "key": "planted-person",
        "kind": "Person",
        "name_en": "Planted Person",
        "properties": {"title_en": "Officer", "email": PLANTED_EMAIL, "phone": PLANTED_PHONE},
    }
    response = client.post("/entities", json=sourced(person), headers=EDITOR)
    assert response.status_code == 201, response.text
    assert response.json()["personal_fields"] == ["email", "phone"]
    changed = client.patch("/entities/planted-person", json={"properties": {"phone": "+358 9 000"}}, headers=EDITOR)
    assert changed.status_code == 200 and changed.json()["personal_fields"] == ["phone"]
    log = (tmp_path / "audit.jsonl").read_text()
    for text in (response.text, changed.text, log):
        assert PLANTED_EMAIL not in text and PLANTED_PHONE not in text and "+358 9 000" not in text
    assert "email" not in store.snapshot(["planted-person"]).nodes["planted-person"]


@pytest.mark.parametrize("role", ["anonymous", "reader", "contacts"])
def test_only_editors_write(store: GraphStore, client_for: Clients, role: str) -> None:
    client = client_for(store)
    response = client.post("/entities", json=sourced(city("x", "X")), headers=headers(role))
    assert response.status_code == (401 if role == "anonymous" else 403)
    assert store.counts().total_nodes == 0


def test_an_inferred_relation_needs_a_note_in_the_api_and_the_loaders(store: GraphStore, client_for: Clients) -> None:
    from graph.model import ValidationFailed, parse_relation

    client = client_for(store)
    for key, name in (("tallinn", "Tallinn"), ("helsinki", "Helsinki")):
        assert client.post("/entities", json=sourced(city(key, name)), headers=EDITOR).status_code == 201
    before = graph_state(store)
    bare = {"start": "tallinn", "type": "PARTNER_OF", "end": "helsinki", "basis": "inferred"}
    refused = client.post("/relations", json=sourced(bare), headers=EDITOR)
    assert refused.status_code == 422, refused.text
    assert any(e["field"] == "note" for e in refused.json()["errors"])
    assert graph_state(store) == before
    with pytest.raises(ValidationFailed, match="inferred relation needs a note"):
        parse_relation(store.schema, bare, "relations.csv line 2")
    noted = client.post("/relations", json=sourced({**bare, "note": "Both name the other a partner."}), headers=EDITOR)
    assert noted.status_code == 201, noted.text


def test_a_relation_keeps_its_key_when_its_role_changes(store: GraphStore, client_for: Clients) -> None:
    """A relation's identity holds no free text: changing its role changes no key."""
    client = client_for(store)
    for key, name in (("tallinn", "Tallinn"), ("helsinki", "Helsinki")):
        assert client.post("/entities", json=sourced(city(key, name)), headers=EDITOR).status_code == 201
    made = client.post(
        "/relations",
        json=sourced({"start": "tallinn", "type": "PARTNER_OF", "end": "helsinki", "role": "twin city"}),
        headers=EDITOR,
    )
    assert made.status_code == 201, made.text
    key = made.json()["target"]
    assert "twin" not in key
    moved = client.patch(f"/relations/tallinn/helsinki/{key}", json={"role": "sister city"}, headers=EDITOR)
    assert moved.status_code == 200 and moved.json()["target"] == key
    [(_, _, data)] = store.snapshot(["tallinn", "helsinki"]).edges(data=True)
    assert data["rel_key"] == key and data["role"] == "sister city"
