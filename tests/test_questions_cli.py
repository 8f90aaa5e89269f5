"""`partnergraph ask …` on the Helsinki dataset: tables for people, the API's JSON with --json.

The commands are run in-process against the test server: only the composition root that opens
the configured store is replaced, by one that hands over the fixture's (real) store.
"""

from __future__ import annotations

import json

import pytest
from test_questions_support import SCHEMA
from typer.testing import CliRunner

from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore
from partnergraph.commands import ask

runner = CliRunner()
PRIVATE = {"email": "anna@example.org", "phone": "+358 1"}


@pytest.fixture(autouse=True)
def wide_tables(cli_on_backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands open their own store on the test's server (cli_on_backend); wide tables keep
    cells on one line, easy to search."""
    monkeypatch.setenv("COLUMNS", "400")


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(ask.app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_every_question_answers_as_a_table_and_as_json(
    helsinki_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = [
        (["search", "Tallinnan"], "tallinn"),
        (["search", "pekingin", "--kind", "City"], "beijing"),
        (["entity", "c40"], "OWNS_MEMBERSHIP"),
        (["entity", "C40"], "MEMBER_OF"),
        (["partners", "--theme", "maas", "--theme", "smart-city"], "left"),  # the city and a law, left out
        (["partners", "--theme", "MaaS", "--theme", "Smart City", "--include-home"], "helsinki"),
        (["partners", "--theme", "maas", "--any", "--as-of", "2020-01-01", "--include-non-actors"], "transport-code"),
        (["contacts", "c40"], "director-international-affairs"),
        (["contacts", "C40"], "inferred"),  # the basis column; found through the membership owner
        (["contacts", "New York"], "leading"),  # the leading unit: the same rule for every entity
        (["paths", "helsinki", "bloomberg-philanthropies"], "PARTNER_OF"),
        (["paths", "london", "new-york", "--avoid-type", "PARTNER_OF", "--avoid-kind", "Theme"], "PARTICIPATES_IN"),
        (["neighbourhood", "tallinn", "--depth", "1"], "helsinki"),
        (["governance"], "bloomberg-philanthropies"),
        (["governance", "--home", "Helsingfors"], "inferred"),
        (["brokers", "--top", "3"], "helsinki"),
        (["brokers", "--theme", "climate", "--measure", "degree"], "helsinki"),
        (["themes"], "smart-mobility"),
        (["schema"], "PARTNER_OF"),
    ]
    for args, expected in commands:
        code, output = run(*args)
        assert code == 0 and expected in output, (args, output)
        code, output = run(*args, "--json")
        assert code == 0 and expected in json.dumps(json.loads(output)), args


def test_json_is_the_answer_model(helsinki_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = run("search", "Tallinnan", "--json")
    answer = json.loads(output)
    assert code == 0 and answer["results"][0]["entity"]["key"] == "tallinn"
    code, output = run("paths", "helsinki", "bloomberg-philanthropies", "--json")
    path = json.loads(output)["paths"][0]
    assert [n["key"] for n in path["nodes"]] == ["helsinki", "bloomberg-philanthropies"] and path["hops"] == 1


def test_errors_become_messages_and_exit_codes(helsinki_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = run("entity", "atlantis")
    assert code == 1 and "atlantis" in output
    code, output = run("paths", "helsinki", "c40", "--avoid-kind", "Planet")
    assert code == 2 and "Planet" in output
    code, output = run("partners", "--theme", "no-such-theme")
    assert code == 1


def test_contact_fields_only_with_include_contacts(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.apply(
        Batch(
            [
                parse_node(SCHEMA, {"key": "c40", "kind": "Network", "name_en": "C40"}, "t"),
                parse_node(SCHEMA, {"key": "anna", "kind": "Person", "name_en": "Anna", **PRIVATE}, "t"),
            ],
            [parse_relation(SCHEMA, {"start": "anna", "type": "CONTACT_FOR", "end": "c40"}, "t")],
        )
    )
    for args in (["contacts", "c40"], ["contacts", "c40", "--json"], ["entity", "anna", "--json"]):
        code, output = run(*args)
        assert code == 0 and "Anna" in output and "anna@example.org" not in output, args
    code, output = run("contacts", "c40", "--include-contacts")
    assert code == 0 and "anna@example.org" in output and "+358 1" in output
    code, output = run("contacts", "c40", "--include-contacts", "--json")
    assert json.loads(output)["contacts"][0]["email"] == "anna@example.org"
