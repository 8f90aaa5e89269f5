"""Keys follow the documented lower-case slug (graph/schema.yaml): `HELSINKI` is refused with the
slug it was meant to be, by the loaders' validation and by the API alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_api_support import Clients, graph_state, headers

from graph.model import ValidationFailed, parse_node, parse_relation, suggest_key
from graph.schema import load_schema
from graph.store import GraphStore

SCHEMA = load_schema()


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("HELSINKI", "helsinki"),
        ("Malmö Stad", "malmo-stad"),
        ("city:helsinki", "city-helsinki"),
        ("Tallinn.", "tallinn"),
    ],
)
def test_a_key_that_is_not_a_slug_is_refused_with_a_suggestion(key: str, suggestion: str) -> None:
    assert suggest_key(key) == suggestion
    with pytest.raises(ValidationFailed) as refused:
        parse_node(SCHEMA, {"key": key, "kind": "City", "name_en": "Helsinki"}, "row 1")
    [error] = refused.value.errors
    assert error.field == "key" and f"did you mean {suggestion!r}?" in error.reason
    assert error.reason.startswith("not a lower-case slug")


def test_relation_ends_follow_the_same_rule() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_relation(SCHEMA, {"start": "Helsinki", "type": "PARTNER_OF", "end": "tallinn"}, "row 2")
    assert [(e.field, "'helsinki'" in e.reason) for e in refused.value.errors] == [("start", True)]
    assert parse_node(SCHEMA, {"key": "helsinki", "kind": "City", "name_en": "Helsinki"}, "r").key == "helsinki"


def test_the_api_refuses_an_upper_case_key_with_the_suggestion(store: GraphStore, tmp_path: Path) -> None:
    before = graph_state(store)
    with Clients(tmp_path) as clients:
        client = clients(store)
        body = {"key": "HELSINKI", "kind": "City", "name_en": "Helsinki", "sources": [{"doc": "manual", "quote": "x"}]}
        answer = client.post("/entities", json=body, headers=headers("editor"))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        [error] = answer.json()["errors"]
        assert error["field"].endswith("key") and "did you mean 'helsinki'?" in error["reason"]
        # Reads take names too (questions.resolve): the text is looked up, not refused; nothing has it.
        looked_up = client.get("/entities/HELSINKI")
        assert looked_up.status_code == 404 and "no entity with key or name 'HELSINKI'" in looked_up.text
        # Writes take keys only, with the slug they were meant to be.
        patched = client.patch("/entities/HELSINKI", json={"name_en": "Helsinki"}, headers=headers("editor"))
        assert patched.status_code == 422 and "'helsinki'" in patched.text
    assert graph_state(store) == before
