"""The data rule that every fact has a source, applied the same way by the loaders and the API.

A node or relation needs at least one source: a document's sentence (doc, quote), or a manual entry
saying who entered it (by), when (at) and how it is known (note). Rows of users' files that name no
source are their own source (the file, the line, the cells as written, never a contact field).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from records import MANUAL_SOURCE
from test_api_support import PLANTED_EMAIL, PLANTED_PHONE, Clients, graph_state, headers

from graph.model import NO_SOURCE, Batch, Source, ValidationFailed, check_batch, parse_node, parse_relation
from graph.schema import load_schema
from graph.store import GraphStore
from loaders.base import LoadOptions
from loaders.pipeline import load

SCHEMA = load_schema()
FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
EDITOR = headers("editor")
QUOTE = {"doc": "memo", "section": "1", "quote": "Helsinki and Tallinn are twin cities."}


@pytest.fixture
def client_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Clients(tmp_path) as clients:
        yield clients


def _error_fields(answer: dict[str, object]) -> set[str]:
    return {str(e["field"]) for e in answer.get("errors", [])}  # type: ignore[attr-defined]


def test_check_batch_refuses_a_node_or_relation_without_a_source() -> None:
    bare = parse_node(SCHEMA, {"key": "x", "kind": "City", "name_en": "X"}, "nodes.csv line 2")
    quoted = parse_node(SCHEMA, {"key": "y", "kind": "City", "name_en": "Y", "sources": [QUOTE]}, "nodes.csv line 3")
    link = parse_relation(SCHEMA, {"start": "y", "type": "PARTNER_OF", "end": "x"}, "relations.csv line 2")
    _, errors = check_batch(SCHEMA, Batch([bare, quoted], [link]), {}, {id(bare): "nodes.csv line 2"})
    assert [(e.record, e.field, e.reason) for e in errors] == [
        ("nodes.csv line 2 (key 'x')", "sources", NO_SOURCE),
        ("relation y -PARTNER_OF-> x", "end", "no node with key 'x'"),
    ]
    manual = parse_node(SCHEMA, {"key": "x", "kind": "City", "name_en": "X", "sources": [MANUAL_SOURCE]}, "api")
    _, errors = check_batch(SCHEMA, Batch([manual, quoted], [link]), {})
    assert [(e.record, e.field) for e in errors] == [("relation y -PARTNER_OF-> x", "sources")]


@pytest.mark.parametrize(
    ("source", "missing"),
    [
        ({"by": "Aino", "note": "At the meeting."}, "at"),
        ({"at": "2026-11-30", "note": "At the meeting."}, "by"),
        ({"by": "Aino", "at": "2026-11-30"}, "note"),
        ({"doc": "memo", "section": "1"}, "by, at, note"),
    ],
)
def test_a_source_is_quoted_or_a_complete_manual_entry(source: dict[str, str], missing: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_node(SCHEMA, {"key": "x", "kind": "City", "name_en": "X", "sources": [source]}, "api")
    [error] = caught.value.errors
    assert error.field == "sources.0" and error.reason.endswith(f"nor {missing}")


def test_a_manual_entry_reads_back_and_cites_who_when_and_why() -> None:
    source = Source.model_validate(MANUAL_SOURCE)
    assert source.doc == "manual" and source.manual
    assert Source.from_json(source.to_json()) == source
    assert source.cite() == "entered by Test Editor on 2026-11-30: Entered by the test suite."


def test_the_api_refuses_facts_without_a_source_and_keeps_the_graph(store: GraphStore, client_for: Clients) -> None:
    client = client_for(store)
    before = graph_state(store)
    city = {"key": "vantaa", "kind": "City", "name_en": "Vantaa"}
    for body in (city, {**city, "sources": []}, {**city, "sources": [{"by": "Aino", "note": "Told me."}]}):
        answer = client.post("/entities", json=body, headers=EDITOR)
        assert answer.status_code == 422, answer.text
        assert any(f.startswith("body.sources") for f in _error_fields(answer.json())), answer.text
    relation = {"start": "helsinki", "type": "PARTNER_OF", "end": "tallinn"}
    answer = client.post("/relations", json=relation, headers=EDITOR)
    assert answer.status_code == 422 and any(f.startswith("body.sources") for f in _error_fields(answer.json()))
    assert graph_state(store) == before


def test_a_quote_of_only_whitespace_is_refused_by_the_api_and_the_records_alike(
    store: GraphStore, client_for: Clients
) -> None:
    """The API's pattern and the records' own trimming agree on what whitespace is (U+0085 and
    U+3000 are; U+001C is not), so a request the OpenAPI allows is never refused further in."""
    client = client_for(store)
    before = graph_state(store)
    for blank in ("\u0085", " \u3000\t"):
        body = {"key": "vantaa", "kind": "City", "name_en": "Vantaa", "sources": [{"doc": "memo", "quote": blank}]}
        answer = client.post("/entities", json=body, headers=EDITOR)
        assert answer.status_code == 422 and "body.sources.0.quote" in _error_fields(answer.json()), answer.text
    assert graph_state(store) == before
    body = {"key": "vantaa", "kind": "City", "name_en": "Vantaa", "sources": [{"doc": "memo", "quote": "\u001c"}]}
    assert client.post("/entities", json=body, headers=EDITOR).status_code == 201


def test_the_api_takes_a_manual_entry_and_keeps_sources_through_a_change(
    store: GraphStore, client_for: Clients
) -> None:
    client = client_for(store)
    manual = {"by": "Aino Aalto", "at": "2026-11-30", "note": "Agreed at the Vantaa meeting."}
    created = client.post(
        "/entities", json={"key": "vantaa", "kind": "City", "name_en": "Vantaa", "sources": [manual]}, headers=EDITOR
    )
    assert created.status_code == 201, created.text
    changed = client.patch("/entities/vantaa", json={"name_fi": "Vantaa"}, headers=EDITOR)
    assert changed.status_code == 200, changed.text
    answer = client.get("/entities/vantaa", headers=headers("reader")).json()
    [source] = answer["sources"]
    assert {k: v for k, v in source.items() if v is not None} == {"doc": "manual", **manual}
    client.post(
        "/entities", json={"key": "espoo", "kind": "City", "name_en": "Espoo", "sources": [QUOTE]}, headers=EDITOR
    )
    linked = client.post(
        "/relations",
        json={"start": "espoo", "type": "PARTNER_OF", "end": "vantaa", "sources": [manual]},
        headers=EDITOR,
    )
    assert linked.status_code == 201, linked.text
    key = linked.json()["target"]
    assert client.patch(f"/relations/espoo/vantaa/{key}", json={"role": "neighbour"}, headers=EDITOR).status_code == 200
    [edge] = [d for _, _, d in store.snapshot(["espoo", "vantaa"]).edges(data=True)]
    assert edge["role"] == "neighbour" and edge["sources"][0]["by"] == "Aino Aalto"


def test_rows_without_a_source_quote_themselves_and_never_a_contact_field(store: GraphStore) -> None:
    load(
        store,
        [
            (FIXTURES / "nodes.csv", None),
            (FIXTURES / "relations.csv", None),
            (FIXTURES / "contacts.csv", None),
            (FIXTURES / "kumu" / "elements.csv", None),
        ],
        LoadOptions(),
    )
    graph = store.snapshot()
    assert all(d["sources"] for _, d in graph.nodes(data=True))
    assert all(d["sources"] for _, _, d in graph.edges(data=True))
    tallinn = graph.nodes["tallinn"]["sources"][0]
    assert tallinn["doc"] == "nodes.csv" and tallinn["section"] == "line 3"
    assert tallinn["quote"].startswith("key:ID: tallinn; :LABEL: City; name_en: Tallinn")
    amsterdam = graph.nodes["amsterdam"]["sources"][0]
    assert (amsterdam["doc"], amsterdam["section"]) == ("elements.csv", "line 2")
    maija = graph.nodes["maija-meikalainen"]["sources"][0]
    assert maija["doc"] == "contacts.csv" and "Project director" in maija["quote"]
    text = json.dumps([list(graph.nodes(data=True)), list(graph.edges(data=True))], default=str)
    assert "@example.org" not in text and "+358 40 123 4567" not in text
    assert PLANTED_EMAIL not in text and PLANTED_PHONE not in text
