"""Names wherever a key is asked (issue 13, point 2): every question route of the API and every
question command of the CLI accepts a key, a name or an alias in Finnish, Swedish or English, says
what it resolved, and answers an unknown name with suggestions ("did you mean …").

The routes and commands are not listed by hand: they are read from the app's OpenAPI schema and
from the typer apps, and every parameter that names an entity or a theme is filled with a name,
then with an alias. A new route or command that takes an entity under another parameter name
fails `test_every_entity_parameter_is_known`, so it cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from test_api_support import Clients, headers
from test_questions_support import SCHEMA, nodes
from typer.core import TyperArgument, TyperGroup
from typer.testing import CliRunner

from graph.model import Batch, parse_node
from graph.store import GraphStore, NotFound
from partnergraph.commands import ask, maps
from questions.resolve import Ambiguous, Unresolved, resolve
from questions.search import invalidate

# Parameters that name an entity, and those that name a theme (by the parameter's name).
ENTITY_PARAMS = {"key", "keys", "start", "end", "home"}
THEME_PARAMS = {"theme"}
# Routes with a parameter of that name that is not an entity asked for: the explorer page's `key`
# is its own URL state (the id of a node it draws), not a question.
NOT_QUESTIONS = {("GET", "/")}
SEARCHES = {("/search", "q")}  # searching names is not resolving one
# Each entity parameter gets a real entity: by a name (fi, sv or en) and by an alias.
NAMES = {
    "key": ("Tallinna", "Tallinnan"),  # Finnish name; Finnish genitive (an alias)
    "keys": ("Tallinna", "Tallinnan"),
    "start": ("Helsingfors", "City of Helsinki"),  # Swedish name; English alias
    "end": ("Bloomberg Philanthropies", "Bloomberg"),
    "home": ("Helsingfors", "Helsingin kaupunki"),
    "theme": ("Smart City & digitalisaatio", "Smart City"),  # Finnish name; alias
}
RESOLVED = {"key": "tallinn", "keys": "tallinn", "start": "helsinki", "end": "bloomberg-philanthropies"}
RESOLVED |= {"home": "helsinki", "theme": "smart-city"}
UNKNOWN = {"theme": "Smart Citi digitalisation x", "home": "Helsinkx"}  # else "Tallinnx"
runner = CliRunner()


@pytest.fixture
def helsinki(helsinki_store: GraphStore) -> GraphStore:
    invalidate(helsinki_store)  # the fixture refilled the store behind search's back
    return helsinki_store


@pytest.fixture
def client(helsinki: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with Clients(tmp_path) as clients:
        yield clients(helsinki)


def question_routes(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every GET route of the OpenAPI schema that takes an entity or a theme."""
    found = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        operation = item.get("get")
        if operation is None or ("GET", path) in NOT_QUESTIONS:
            continue
        names = {p["name"] for p in operation.get("parameters", [])}
        if names & (ENTITY_PARAMS | THEME_PARAMS):
            found.append(("GET", path, operation))
    return found


def test_every_entity_parameter_is_known(client: TestClient) -> None:
    """A parameter that says it takes names (or aliases) is one of ours, and each of ours says so."""
    for path, item in client.get("/openapi.json").json()["paths"].items():
        for method, operation in item.items():
            for param in operation.get("parameters", []):
                text = (param.get("description") or "").lower()
                if "alias" in text and (path, param["name"]) not in SEARCHES:
                    assert param["name"] in ENTITY_PARAMS | THEME_PARAMS, (path, param["name"])
                elif param["name"] in ENTITY_PARAMS | THEME_PARAMS and method == "get":
                    assert (method.upper(), path) in NOT_QUESTIONS, (path, param["name"], "takes only keys?")
    paths = {path for _, path, _ in question_routes(client)}
    assert {"/entities/{key}", "/contacts", "/partners", "/paths", "/neighbourhood", "/governance"} <= paths
    assert {"/brokers", "/maps/neighbourhood", "/maps/neighbourhood.json", "/maps/paths.json"} <= paths


def _call(client: TestClient, path: str, operation: dict[str, Any], use: int, unknown: bool = False) -> Any:
    query: dict[str, str] = {}
    for param in operation.get("parameters", []):
        name = param["name"]
        if name not in NAMES:
            continue
        value = NAMES[name][use]
        if unknown:
            value = UNKNOWN.get(name, "Tallinnx")
        if param["in"] == "path":
            path = path.replace("{" + name + "}", value)
        else:
            query[name] = value
    return client.get(path, params=query, headers=headers("reader"))


def test_every_question_route_takes_a_name_and_an_alias(client: TestClient) -> None:
    routes = question_routes(client)
    assert len(routes) >= 12
    for _, path, operation in routes:
        params = {p["name"] for p in operation.get("parameters", [])} & set(NAMES)
        for use in (0, 1):
            answer = _call(client, path, operation, use)
            assert answer.status_code == 200, (path, use, answer.text[:300])
            if answer.headers["content-type"].startswith("application/json"):
                body = answer.text
                for name in params:
                    assert f'"{RESOLVED[name]}"' in body, (path, name)  # the answer names what it resolved
        first = _call(client, path, operation, 0)
        resolved = first.json() if first.headers["content-type"].startswith("application/json") else None
        if isinstance(resolved, dict) and "resolved" in resolved:
            entries = resolved["resolved"] if isinstance(resolved["resolved"], list) else [resolved["resolved"]]
            assert entries and all(e["entity"]["key"] in RESOLVED.values() and e["by"] != "key" for e in entries)


def test_an_unknown_name_is_a_404_with_suggestions(client: TestClient) -> None:
    for _, path, operation in question_routes(client):
        answer = _call(client, path, operation, 0, unknown=True)
        assert answer.status_code == 404, (path, answer.text[:300])
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["suggestions"], path
        assert all({"key", "kind", "name"} <= set(s) for s in problem["suggestions"])
        assert "did you mean" in problem["detail"]


def test_ambiguous_names_are_a_409_listing_both(store: GraphStore, tmp_path: Path) -> None:
    store.apply(
        Batch(
            [
                parse_node(SCHEMA, {"key": "springfield-il", "kind": "City", "name_en": "Springfield"}, "t"),
                parse_node(SCHEMA, {"key": "springfield-ma", "kind": "City", "name_en": "Springfield"}, "t"),
            ],
            [],
        )
    )
    invalidate(store)
    with pytest.raises(Ambiguous) as caught:
        resolve(store, "springfield")
    assert {s.key for s in caught.value.suggestions} == {"springfield-il", "springfield-ma"}
    assert resolve(store, "springfield-il").entity.key == "springfield-il"  # a key is never ambiguous
    with Clients(tmp_path) as clients:
        answer = clients(store).get("/entities/Springfield", headers=headers("reader"))
    assert answer.status_code == 409 and answer.headers["content-type"].startswith("application/problem+json")
    assert {s["key"] for s in answer.json()["suggestions"]} == {"springfield-il", "springfield-ma"}


def test_the_resolver(helsinki: GraphStore) -> None:
    for text, key, by in [
        ("c40", "c40", "key"),
        ("C40", "c40", "name"),  # the key in another case
        ("MaaS", "maas", "name"),
        ("Mobilitet som tjänst", "maas", "name"),  # Swedish
        ("Sankt Petersburg", "st-petersburg", "name"),
        ("new york", "new-york", "name"),
        ("Tukholmassa", "stockholm", "search"),  # an inflection no alias lists, near-exact
    ]:
        found = resolve(helsinki, text)
        assert (found.entity.key, found.by) == (key, by), text
    assert resolve(helsinki, "Smart City", kinds=["Theme"]).entity.key == "smart-city"
    with pytest.raises(Unresolved) as caught:
        resolve(helsinki, "helsinki", kinds=["Theme"])  # a key of another kind is no theme
    assert caught.value.what == "theme"
    with pytest.raises(Unresolved) as caught:
        resolve(helsinki, "Eurocitis")  # a typo: not guessed, suggested
    assert caught.value.suggestions[0].key == "eurocities" and isinstance(caught.value, NotFound)
    with pytest.raises(Unresolved) as caught:
        resolve(helsinki, "qqqxxyz")
    assert caught.value.suggestions == []


def test_writes_stay_key_only(client: TestClient) -> None:
    """A write must name exactly one record, whatever names say: PATCH and DELETE take keys only."""
    answer = client.patch("/entities/Tallinna", json={"name_en": "Tallinn"}, headers=headers("editor"))
    assert answer.status_code == 422 and "key" in answer.text
    assert client.get("/entities/Tallinna", headers=headers("reader")).status_code == 200


# -- the CLI ------------------------------------------------------------------------------------


def cli_questions() -> list[tuple[typer.Typer, str, list[Any]]]:
    """Every `ask` and `map` command with a parameter naming an entity or a theme."""
    found = []
    for app in (ask.app, maps.app):
        group = typer.main.get_command(app)
        assert isinstance(group, TyperGroup)
        for name, command in group.commands.items():
            params = [p for p in command.params if p.name in ENTITY_PARAMS | THEME_PARAMS]
            if params:
                found.append((app, name, params))
    return found


def _args(app: typer.Typer, name: str, params: list[Any], use: int, out: Path) -> list[str]:
    args = [name]
    for param in params:
        value = NAMES[str(param.name)][use]
        if isinstance(param, TyperArgument):
            args.append(value)
        else:
            args += [param.opts[0], value]
    if app is maps.app:
        args += ["-o", str(out)]
    return args


def test_every_cli_question_takes_a_name_and_an_alias(
    helsinki: GraphStore, cli_on_backend: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    commands = cli_questions()
    names = {(app is ask.app, name) for app, name, _ in commands}
    assert {(True, c) for c in ("entity", "contacts", "partners", "paths", "neighbourhood", "governance")} <= names
    assert {(False, c) for c in ("neighbourhood", "themes", "paths")} <= names
    for app, name, params in commands:
        for use in (0, 1):
            args = _args(app, name, params, use, tmp_path / f"{name}.html")
            result = runner.invoke(app, args, catch_exceptions=False)
            assert result.exit_code == 0, (args, result.output)
            if app is ask.app:
                json_out = runner.invoke(app, [*args, "--json"], catch_exceptions=False)
                for param in params:
                    assert f'"{RESOLVED[str(param.name)]}"' in json_out.output, (args, param.name)


def test_the_cli_asks_did_you_mean(helsinki: GraphStore, cli_on_backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    result = runner.invoke(ask.app, ["contacts", "Eurocitis"], catch_exceptions=False)
    assert result.exit_code == 1 and "did you mean" in result.output and "eurocities" in result.output
    result = runner.invoke(ask.app, ["contacts", "C40"], catch_exceptions=False)
    assert result.exit_code == 0 and "C40 Cities (c40)" in result.output
    result = runner.invoke(ask.app, ["partners", "--theme", "MaaS", "--include-home"], catch_exceptions=False)
    assert result.exit_code == 0 and "helsinki" in result.output
    assert nodes()["maas"].aliases and "MaaS" in nodes()["maas"].aliases
