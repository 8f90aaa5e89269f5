"""Answers kept until the data changes (questions/answer_cache.py), on each database.

A kept answer is the answer built afresh, byte for byte; it never crosses from one role to
another or from one language to another; each serving of personal fields is audited; and the
next question after any write, through the API or a store of its own, sees the write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from test_api_support import PLANTED_EMAIL, PLANTED_KEY, PLANTED_PHONE, Clients, audit_lines, headers, plant_contact

from graph.store import GraphStore
from questions.answer_cache import ENTRY_OVERHEAD, LARGEST_SHARE, AnswerCache
from questions.registry import QUESTIONS
from viz.views import MAP_VIEWS

# Every question route and map over the Helsinki data, paged and whole; (path, query).
ASKED: list[tuple[str, dict[str, Any]]] = [
    ("/entities/helsinki", {}),
    ("/entities/c40", {}),
    ("/search", {"q": "tallinna"}),
    ("/search", {"q": "Planted Person"}),
    ("/contacts", {"key": "helsinki"}),
    ("/contacts", {"key": "c40"}),
    ("/partners", {"theme": ["smart-city"]}),
    ("/partners", {"theme": ["smart-city"], "limit": 2, "offset": 1}),
    ("/paths", {"start": "helsinki", "end": "tallinn"}),
    ("/neighbourhood", {"key": "tallinn", "depth": 1}),
    ("/neighbourhood", {"key": "helsinki", "depth": 2}),
    ("/brokers", {"top": 3}),
    ("/themes", {}),
    ("/themes/list", {}),
    ("/schema", {}),
    ("/governance", {}),
    ("/maps/neighbourhood.json", {"key": "tallinn"}),
    ("/maps/neighbourhood", {"key": PLANTED_KEY, "lang": "fi"}),
    ("/maps/paths.json", {"start": "helsinki", "end": "tallinn"}),
    ("/maps/themes.json", {}),
]


def test_every_question_and_map_is_asked_here() -> None:
    """A new question or map joins the equivalence test below the day it is added."""
    asked = {re.sub(r"/entities/.*", "/entities/{key}", path) for path, _ in ASKED}
    assert {q.route for q in QUESTIONS} <= asked
    assert {f"/maps/{v.name}.json" for v in MAP_VIEWS} | {"/maps/neighbourhood"} <= asked


@pytest.fixture
def clients(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as made:
        yield made


@pytest.fixture
def planted(store: GraphStore) -> GraphStore:
    return plant_contact(store)


def answers_of(client: TestClient) -> AnswerCache:
    return cast(AnswerCache, client.app.state.answers)  # type: ignore[attr-defined]


def served(client: TestClient, path: str, query: dict[str, Any], role: str = "reader") -> tuple[int, bytes, Any]:
    response = client.get(path, params=query, headers=headers(role))
    return response.status_code, response.content, (response.headers.get("etag"), response.headers["content-type"])


def test_a_kept_answer_is_the_answer_built_afresh(planted: GraphStore, clients: Clients) -> None:
    kept, fresh = clients(planted), clients(planted, answer_cache_mb=0)
    for role in ("reader", "contacts"):
        for path, query in ASKED:
            first = served(kept, path, query, role)
            assert first[0] == 200, (path, query, first[1][:200])
            assert served(kept, path, query, role) == first == served(fresh, path, query, role), (path, query, role)
    # The second asking of each was served from what the first kept, and the contacts role's first
    # asking of what shows no personal field from the reader's; the schema needs no database, nor a cache.
    kept_ones = [path for path, _ in ASKED if path != "/schema"]
    personal = [path for path in kept_ones if path == "/contacts"]
    assert answers_of(kept).hits == len(kept_ones) + 2 * len(kept_ones) - len(personal)
    assert answers_of(fresh).hits == 0 and answers_of(fresh).held_bytes(planted) == 0


def test_kept_answers_never_cross_roles_and_every_serving_is_audited(
    planted: GraphStore, clients: Clients, tmp_path: Path
) -> None:
    client = clients(planted)
    personal = [("/contacts", {"key": "helsinki"}), ("/entities/" + PLANTED_KEY, {}), ("/search", {"q": "Planted"})]
    for order in (("contacts", "reader", "contacts", "reader"), ("reader", "contacts", "reader", "contacts")):
        for role in order:
            for path, query in personal:
                body = client.get(path, params=query, headers=headers(role)).text
                shows = PLANTED_EMAIL in body or PLANTED_PHONE in body
                assert shows == (role == "contacts" and path == "/contacts"), (role, path, body[:300])
    assert answers_of(client).hits >= 2 * len(personal) * 2
    reads = [e for e in audit_lines(tmp_path / "audit.jsonl") if e["action"] == "contacts.read"]
    assert [e["actor"] for e in reads] == ["test-contacts"] * 4  # each of the four servings, kept or not
    assert all(e["persons"] == [PLANTED_KEY] for e in reads)


def test_a_kept_map_is_kept_per_language(planted: GraphStore, clients: Clients) -> None:
    client = clients(planted)
    names: dict[str, list[str]] = {}
    for lang in ("fi", "sv", "fi", "sv", "en"):
        nodes = client.get("/maps/neighbourhood.json", params={"key": "helsinki", "lang": lang}).json()["nodes"]
        names.setdefault(lang, []).append(next(n["label"] for n in nodes if n["id"] == "helsinki"))
    assert names == {"fi": ["Helsinki", "Helsinki"], "sv": ["Helsingfors", "Helsingfors"], "en": ["Helsinki"]}
    assert answers_of(client).hits == 2


def test_the_next_question_after_a_write_through_the_api_sees_it(planted: GraphStore, clients: Clients) -> None:
    client = clients(planted)
    editor = headers("editor")

    def asked() -> tuple[Any, ...]:
        return (
            [r["entity"]["key"] for r in client.get("/search", params={"q": "Kotka"}).json()["results"]],
            sorted(n["key"] for n in client.get("/neighbourhood", params={"key": "tallinn"}).json()["nodes"]),
            [n["id"] for n in client.get("/maps/neighbourhood.json", params={"key": "tallinn"}).json()["nodes"]],
            client.get("/entities/tallinn").json()["name_fi"],
        )

    before = asked()
    assert asked() == before and answers_of(client).hits == 4  # kept, and served again
    source = [{"doc": "test", "quote": "Kotka is a partner of Tallinn."}]
    kotka = {"key": "kotka", "kind": "City", "name_fi": "Kotka", "sources": source}
    made = client.post("/entities", json=kotka, headers=editor)
    assert made.status_code == 201, made.text
    partner = {"start": "kotka", "type": "PARTNER_OF", "end": "tallinn", "sources": source}
    related = client.post("/relations", json=partner, headers=editor)
    assert related.status_code == 201, related.text
    renamed = client.patch("/entities/tallinn", json={"name_fi": "Tallinna (uusi)"}, headers=editor)
    assert renamed.status_code == 200, renamed.text
    after = asked()
    assert after[0] == ["kotka"] and "kotka" not in before[1] and "kotka" in after[1] and "kotka" in after[2]
    assert after[3] == "Tallinna (uusi)" != before[3]


class _Key:
    """A stand-in store for the cache's own bookkeeping: it is only a key there."""


def test_the_budget_holds_least_recently_used_out_and_a_new_counter_drops_the_rest() -> None:
    store = cast(GraphStore, _Key())
    cache = AnswerCache(LARGEST_SHARE * (100 + ENTRY_OVERHEAD))  # room for eight answers of 100 bytes
    built: list[str] = []

    def ask(key: str, version: tuple[int, str] = (1, "a"), size: int = 100) -> bytes:
        def build() -> bytes:
            built.append(key)
            return key.encode().ljust(size, b".")

        return cache.answer(store, key, build, len, version=version)

    for key in "abcdefgh":
        ask(key)
    ask("a")  # a hit: "a" is now the most recently used
    ask("i")  # over the budget: "b", the least recently used, goes
    assert built == list("abcdefghi")
    ask("a"), ask("b")
    assert built[-1] == "b" and cache.hits == 2
    assert cache.held_bytes(store) <= cache.budget
    ask("big", size=cache.budget)  # larger than a share of the budget: answered, not kept
    ask("big", size=cache.budget)
    assert built[-2:] == ["big", "big"]
    ask("a", version=(2, "b"))  # the counter moved: what was kept at (1, "a") is dropped
    assert built[-1] == "a" and cache.held_bytes(store) == 100 + ENTRY_OVERHEAD
    ask("c", version=(2, "c"))  # same value, another write's token: another state
    assert built[-1] == "c"
    off = AnswerCache(0)
    assert [off.answer(store, "k", lambda: b"x", len) for _ in range(2)] == [b"x", b"x"]  # no counter read
    assert off.hits == 0 and off.held_bytes(store) == 0
