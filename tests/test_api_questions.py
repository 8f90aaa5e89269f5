"""Each question route on the Helsinki dataset, with answers the policy document gives: Tallinn is
the twin city, Bloomberg Philanthropies a new partner, Helsinki a founding member of Mastercard's
City Possible and a pioneer of Mobility as a Service, and every membership has an owner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from test_api_support import PLANTED_EMAIL, PLANTED_PHONE, Clients, audit_lines, headers

from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


@pytest.fixture
def client(helsinki_store: GraphStore, client_for: Clients) -> TestClient:
    return client_for(helsinki_store)


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_search_forgives_inflection_diacritics_and_typos(client: TestClient) -> None:
    for text, expected in (
        ("Tallinnan", "tallinn"),
        ("tallina", "tallinn"),
        ("helsingissä", "helsinki"),
        ("City Possible", "city-possible"),
        ("Bloomberg", "bloomberg-philanthropies"),
    ):
        answer = ok(client.get("/search", params={"q": text}))
        assert answer["results"][0]["entity"]["key"] == expected, (text, answer["results"][:3])
    networks = ok(client.get("/search", params={"q": "cities", "kind": "Network", "limit": 100}))
    assert networks["results"] and {r["entity"]["kind"] for r in networks["results"]} == {"Network"}
    first = ok(client.get("/search", params={"q": "helsinki", "limit": 3}))
    second = ok(client.get("/search", params={"q": "helsinki", "limit": 3, "offset": 3}))
    assert first["total"] == second["total"] >= 4
    assert {r["entity"]["key"] for r in first["results"]}.isdisjoint(r["entity"]["key"] for r in second["results"])
    assert ok(client.get("/search", params={"q": "zzqxw"}))["results"] == []
    for bad in ({"q": ""}, {"q": "x" * 201}, {"q": "x", "kind": "Planet"}, {"q": "x", "limit": 101}, {}):
        assert client.get("/search", params=bad).status_code == 422, bad


def test_entity_tallinn_is_the_twin_city(client: TestClient) -> None:
    tallinn = ok(client.get("/entities/tallinn"))
    assert tallinn["kind"] == "City" and tallinn["name_fi"] == "Tallinna" and "Tallinnan" in tallinn["aliases"]
    twin = [r for r in tallinn["relations"]["PARTNER_OF"] if r["other"]["key"] == "helsinki"]
    assert twin and "twin" in twin[0]["role"]
    assert any("kaksoiskaupungin" in s["quote"] for s in twin[0]["sources"])
    helsinki = ok(client.get("/entities/helsinki"))
    founding = [r for r in helsinki["relations"]["MEMBER_OF"] if r["other"]["key"] == "city-possible"]
    assert founding[0]["role"] == "founding member" and founding[0]["direction"] == "out"
    missing = client.get("/entities/atlantis")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert "atlantis" in missing.json()["detail"]


def test_partners_on_maas_and_smart_city(client: TestClient) -> None:
    # Only the city itself and a law work on both: neither is a partner, and the answer says so.
    partners = ok(client.get("/partners", params={"theme": ["MaaS", "Smart City"]}))  # names work too
    assert partners["partners"] == [] and partners["left_out"] == {"home": 1, "non_actors": 1}
    assert partners["themes"] == ["maas", "smart-city"] and partners["home"] == "helsinki"
    everyone = {"include_home": "true", "include_non_actors": "true"}
    both = ok(client.get("/partners", params={"theme": ["maas", "smart-city"], **everyone}))
    keys = [p["entity"]["key"] for p in both["partners"]]
    assert keys[0] == "helsinki"  # "Helsinki on Mobility as a Service -konseptin edelläkävijä maailmassa."
    assert "transport-code" in keys
    assert all(set(p["themes"]) == {"maas", "smart-city"} for p in both["partners"])
    assert both["total"] == len(keys) and both["limit"] == 50 and both["offset"] == 0
    either = ok(
        client.get("/partners", params={"theme": ["maas", "smart-city"], "mode": "any", "limit": 200, **everyone})
    )
    assert set(keys) < {p["entity"]["key"] for p in either["partners"]}
    cities = ok(client.get("/partners", params={"theme": "smart-city", "kind": "City", "limit": 200}))
    assert cities["partners"] and {p["entity"]["kind"] for p in cities["partners"]} == {"City"}
    assert client.get("/partners", params={"theme": "no-such-theme"}).status_code == 404
    assert client.get("/partners", params={"theme": "maas", "kind": "Planet"}).status_code == 422
    assert client.get("/partners").status_code == 422


def test_lists_are_paged(client: TestClient) -> None:
    everything = ok(client.get("/partners", params={"theme": "climate", "mode": "any", "limit": 200}))
    total = everything["total"]
    assert total >= 3 and len(everything["partners"]) == total
    pages = [
        ok(client.get("/partners", params={"theme": "climate", "mode": "any", "limit": 2, "offset": offset}))
        for offset in range(0, total, 2)
    ]
    assert [p["entity"]["key"] for page in pages for p in page["partners"]] == [
        p["entity"]["key"] for p in everything["partners"]
    ]
    beyond = ok(client.get("/partners", params={"theme": "climate", "limit": 2, "offset": 10_000}))
    assert beyond["partners"] == [] and beyond["offset"] == 10_000
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "ten"}):
        assert client.get("/themes", params=bad).status_code == 422


def test_themes_overview(client: TestClient) -> None:
    themes = ok(client.get("/themes", params={"limit": 200}))
    by_key = {t["key"]: t for t in themes["themes"]}
    assert themes["total"] == len(by_key) >= 20
    assert sum(t["theme_type"] == "focus_area" for t in by_key.values()) == 6
    assert {t["theme_type"] for t in by_key.values()} >= {"megatrend", "focus_area", "goal"}
    assert "transport-mobility" in by_key["smart-mobility"]["parents"] or "smart-mobility" in by_key["maas"]["parents"]
    listed = ok(client.get("/themes/list", params={"limit": 200}))
    assert listed["total"] == themes["total"] and {t["key"] for t in listed["themes"]} == set(by_key)
    assert all(t["kind"] == "Theme" for t in listed["themes"])


def test_contacts_for_c40_without_personal_fields(client: TestClient) -> None:
    answer = ok(client.get("/contacts", params={"key": "C40"}))  # a name works as the key does
    first = answer["contacts"][0]
    assert answer["key"] == "c40" and answer["resolved"]["entity"]["key"] == "c40"
    # No one is named for C40: the unit owning its membership (inferred) is how the contact is found.
    assert first["person"]["kind"] == "Person" and answer["found_by"] == first["step"] == "membership_owner"
    assert first["basis"] == "inferred" and first["via"] == "international-affairs-unit"
    assert answer["includes_personal"] is False
    assert all(c["email"] is None and c["phone"] is None for c in answer["contacts"])
    assert client.get("/contacts", params={"key": "atlantis"}).status_code == 404
    assert client.get("/contacts").status_code == 422


def test_paths_to_bloomberg_and_around_cities(client: TestClient) -> None:
    answer = ok(client.get("/paths", params={"start": "helsinki", "end": "bloomberg-philanthropies"}))
    assert [[n["key"] for n in p["nodes"]] for p in answer["paths"]] == [["helsinki", "bloomberg-philanthropies"]]
    assert answer["paths"][0]["steps"][0]["types"] == ["PARTNER_OF"]
    avoided = ok(
        client.get(
            "/paths",
            params={"start": "helsinki", "end": "bloomberg-philanthropies", "max_hops": 1, "avoid_type": "PARTNER_OF"},
        )
    )
    assert avoided["paths"] == []
    around = ok(client.get("/paths", params={"start": "tallinn", "end": "c40", "max_hops": 3, "avoid_kind": "City"}))
    assert all("helsinki" not in [n["key"] for n in p["nodes"]] for p in around["paths"])
    for bad in (
        {"max_hops": 0},
        {"max_hops": 7},
        {"avoid_type": "LIKES"},
        {"avoid_kind": "City:Admin"},
        {"as_of": "2020-02-30"},
    ):
        params = {"start": "helsinki", "end": "tallinn", **bad}
        assert client.get("/paths", params=params).status_code == 422, bad
    assert client.get("/paths", params={"start": "helsinki", "end": "atlantis"}).status_code == 404


def test_neighbourhood(client: TestClient) -> None:
    one = ok(client.get("/neighbourhood", params={"key": "tallinn"}))
    assert {n["key"] for n in one["nodes"]} >= {"tallinn", "helsinki"} and {n["depth"] for n in one["nodes"]} == {0, 1}
    cities = ok(client.get("/neighbourhood", params={"key": "tallinn", "depth": 2, "kind": "City"}))
    assert {n["kind"] for n in cities["nodes"]} == {"City"}
    capped = ok(client.get("/neighbourhood", params={"key": "helsinki", "depth": 2, "max_nodes": 10}))
    assert capped["truncated"] is True and len(capped["nodes"]) == 10 and capped["message"]
    assert client.get("/neighbourhood", params={"key": "tallinn", "depth": 4}).status_code == 422
    assert client.get("/neighbourhood", params={"key": "atlantis"}).status_code == 404


def test_governance_every_membership_has_an_owner(client: TestClient) -> None:
    answer = ok(client.get("/governance"))
    assert answer["home"] == "helsinki" and answer["memberships_without_owner"] == []
    assert all(t["kind"] == "Theme" for t in answer["themes_without_partners"])
    assert client.get("/governance", params={"home": "atlantis"}).status_code == 404


def test_brokers_helsinki_is_the_hub(client: TestClient) -> None:
    overall = ok(client.get("/brokers", params={"top": 3}))
    assert overall["brokers"][0]["entity"]["key"] == "helsinki" and len(overall["brokers"]) == 3
    degree = ok(client.get("/brokers", params={"top": 3, "measure": "degree"}))
    assert degree["measure"] == "degree" and degree["brokers"][0]["entity"]["key"] == "helsinki"
    climate = ok(client.get("/brokers", params={"theme": "climate", "top": 5}))
    assert climate["theme"] == "climate" and len(climate["brokers"]) == 5
    assert client.get("/brokers", params={"measure": "pagerank"}).status_code == 422
    assert client.get("/brokers", params={"theme": "atlantis"}).status_code == 404


def test_stats_count_the_dataset_files(client: TestClient) -> None:
    """Counted from the YAML files themselves, not from the store the API reads."""
    kinds: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for path in DEFAULT_DATASET.glob("*.yaml"):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        kinds.update(n["kind"] for n in content.get("nodes", []) or [])
        types.update(r["type"] for r in content.get("relations", []) or [])
    stats = ok(client.get("/stats"))
    assert stats["nodes"] == dict(kinds) and stats["relations"] == dict(types)
    assert stats["total_nodes"] == sum(kinds.values()) and stats["nodes"]["City"] == 13


def test_contact_details_by_role_and_the_audit(store: GraphStore, client_for: Clients, tmp_path: Path) -> None:
    load(store, [(DEFAULT_DATASET, "dataset")])
    person = parse_node(
        store.schema,
        {"key": "anna", "kind": "Person", "name_en": "Anna", "email": PLANTED_EMAIL, "phone": PLANTED_PHONE},
        "t",
    )
    link = parse_relation(store.schema, {"start": "anna", "type": "CONTACT_FOR", "end": "c40"}, "t")
    store.apply(Batch([person], [link]))
    client = client_for(store)
    for who in ("anonymous", "reader"):
        answer = client.get("/contacts", params={"key": "c40"}, headers=headers(who))
        assert answer.status_code == 200 and PLANTED_EMAIL not in answer.text and PLANTED_PHONE not in answer.text
        assert {c["person"]["key"] for c in answer.json()["contacts"]} >= {"anna"}
    assert audit_lines(tmp_path / "audit.jsonl") == []
    for who in ("contacts", "editor", "admin"):
        answer = ok(client.get("/contacts", params={"key": "c40"}, headers=headers(who)))
        anna = next(c for c in answer["contacts"] if c["person"]["key"] == "anna")
        assert (anna["email"], anna["phone"], answer["includes_personal"]) == (PLANTED_EMAIL, PLANTED_PHONE, True)
    entries = audit_lines(tmp_path / "audit.jsonl")
    assert [(e["actor"], e["action"], e["target"], e["persons"]) for e in entries] == [
        (f"test-{who}", "contacts.read", "c40", ["anna"]) for who in ("contacts", "editor", "admin")
    ]
    assert all(e["at"] for e in entries)
    log = (tmp_path / "audit.jsonl").read_text()
    assert PLANTED_EMAIL not in log and PLANTED_PHONE not in log
    # The admin reads the log through the API, newest first, filtered.
    page = ok(client.get("/audit", params={"action": "contacts.read", "limit": 2}, headers=headers("admin")))
    assert page["total"] == 3 and [e["actor"] for e in page["items"]] == ["test-admin", "test-editor"]
    assert ok(client.get("/audit", params={"target": "anna"}, headers=headers("admin")))["total"] == 3
