"""The question catalogue (`questions/registry.py`) is the one place a question is wired.

Every question has an API route, a CLI command, OpenAPI docs and a README row, all built from its
entry; no question route or `ask` command exists outside the catalogue; a new entry alone gives a
working route and command; and both interfaces refuse a bad parameter by the same model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from test_api_support import make_settings
from typer.main import get_command
from typer.testing import CliRunner

from api.app import create_app
from api.routes import ask as ask_routes
from api.routes import maps as map_routes
from api.security import api_routes
from graph.store import GraphStore
from partnergraph.commands import ask as ask_commands
from partnergraph.commands import maps as map_commands_module
from partnergraph.settings import Settings
from questions.registry import BY_NAME, QUESTIONS, README, Question, query_names, readme_block
from viz.views import MAP_VIEWS, MAPS_BY_NAME

# Routes that are not questions of the graph, each with why.
NOT_QUESTIONS = {
    "/health": "liveness",
    "/ready": "readiness",
    "/stats": "the store's counts, as `partnergraph info`",
    "/audit": "the audit log",
    "/template.xlsx": "the spreadsheet template",
    "/": "the explorer page",
    "/explorer/session": "the explorer's caller",
    "/briefings/{key}": "a printed document built from the questions (questions/briefing.py)",
}
NOT_QUESTION_PREFIXES = ("/docs", "/redoc", "/openapi", "/static", "/explorer/")
runner = CliRunner()


def get_routes(app: FastAPI) -> dict[str, Any]:
    """Every GET route as served (included routers walked), by path."""
    return {r.path: r for r in api_routes(app) if "GET" in (r.methods or ())}


def test_every_question_has_a_route_a_command_openapi_docs_and_a_readme_row() -> None:
    app = create_app(Settings())
    routes = get_routes(app)
    openapi = app.openapi()["paths"]
    commands = get_command(ask_commands.app).commands  # type: ignore[attr-defined]
    readme = README.read_text(encoding="utf-8")
    assert len(QUESTIONS) >= 10
    for question in QUESTIONS:
        assert question.route in routes, question.name
        operation = openapi[question.route]["get"]
        assert operation["summary"] == question.summary
        documented = {p["name"] for p in operation.get("parameters", [])}
        assert documented == set(query_names(question)), question.name
        assert all(p.get("description") for p in operation.get("parameters", [])), question.name
        assert question.name in commands, question.name
        assert f"| {question.name} | `GET {question.route}` | `partnergraph ask {question.name}` |" in readme
    assert readme_block(readme) == readme, "the README's question table is stale: python -m questions.registry"


def test_no_question_route_or_command_outside_the_catalogue() -> None:
    routes = get_routes(create_app(Settings()))
    catalogued = {q.route for q in QUESTIONS}
    maps = {f"/maps/{v.name}{suffix}" for v in MAP_VIEWS for suffix in ("", ".json")}
    outside = [
        path
        for path in routes
        if path not in catalogued | maps and path not in NOT_QUESTIONS and not path.startswith(NOT_QUESTION_PREFIXES)
    ]
    assert outside == [], "declare these in questions/registry.py or viz/views.py, or say why they are not questions"
    for path in catalogued:  # and each is the catalogue's own endpoint, not a hand-written one
        assert routes[path].endpoint.__module__ == ask_routes.__name__, path
    for path in maps:
        assert routes[path].endpoint.__module__ == map_routes.__name__, path
    commands = set(get_command(ask_commands.app).commands)  # type: ignore[attr-defined]
    assert commands == set(BY_NAME), commands ^ set(BY_NAME)
    map_commands = set(get_command(map_commands_module.app).commands)  # type: ignore[attr-defined]
    assert map_commands == set(MAPS_BY_NAME), map_commands ^ set(MAPS_BY_NAME)


def test_each_map_draws_a_question_of_the_catalogue() -> None:
    drawn = {q.map: q.name for q in QUESTIONS if q.map}
    assert drawn, "no question has a map"
    for view in MAP_VIEWS:
        assert view.question in BY_NAME, view.name
    assert set(drawn) == set(MAPS_BY_NAME), set(drawn) ^ set(MAPS_BY_NAME)
    assert all(MAPS_BY_NAME[name].question == question for name, question in drawn.items())


def test_the_readme_check_sees_a_stale_table() -> None:
    readme = README.read_text(encoding="utf-8")
    stale = readme.replace("| search | `GET /search` |", "| search | `GET /find` |")
    assert readme_block(stale) != stale


class CountParams(BaseModel):
    kind: str = Field(description="A node kind.")


class CountAnswer(BaseModel):
    kind: str
    count: int


def _count(store: GraphStore, params: CountParams, _: bool) -> CountAnswer:
    return CountAnswer(kind=params.kind, count=store.counts().nodes.get(params.kind, 0))


COUNT = Question(
    name="count",
    summary="How many entities of a kind",
    help="How many entities of a kind.",
    tag="test",
    params=CountParams,
    answer=CountAnswer,
    run=_count,
    xlsx=False,
)


def _app(store: GraphStore, tmp_path: Path, questions: list[Question[Any, Any]]) -> TestClient:
    """The real app (roles, problems) with a router built from `questions` beside its own."""
    app = create_app(make_settings(tmp_path), store=store)
    app.include_router(ask_routes.build_router(questions))
    return TestClient(app, raise_server_exceptions=False)


def test_a_new_entry_alone_gives_a_route_and_a_command(
    helsinki_store: GraphStore, tmp_path: Path, cli_on_backend: None
) -> None:
    """What the catalogue's builders make of one more entry: no other code is written for it."""
    expected = helsinki_store.counts().nodes["City"]
    assert expected > 0
    with _app(helsinki_store, tmp_path, [COUNT]) as client:
        assert client.get("/count", params={"kind": "City"}).json() == {"kind": "City", "count": expected}
        assert client.get("/count").status_code == 422  # the model's required field
        assert client.get("/openapi.json").json()["paths"]["/count"]["get"]["summary"] == COUNT.summary
    group = typer.Typer()
    group.callback()(lambda: None)  # a group, as `partnergraph ask` is
    ask_commands.add_commands(group, [COUNT])
    result = runner.invoke(group, ["count", "--kind", "City", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"kind": "City", "count": expected}


@pytest.mark.parametrize(
    ("route", "params", "command"),
    [
        (
            "/paths",
            {"start": "helsinki", "end": "c40", "max_hops": 99},
            ["paths", "helsinki", "c40", "--max-hops", "99"],
        ),
        ("/brokers", {"measure": "fame"}, ["brokers", "--measure", "fame"]),
        ("/partners", {"theme": "x" * 201}, ["partners", "--theme", "x" * 201]),
    ],
)
def test_both_interfaces_refuse_a_bad_parameter_by_the_same_model(
    helsinki_store: GraphStore,
    tmp_path: Path,
    cli_on_backend: None,
    route: str,
    params: dict[str, object],
    command: list[str],
) -> None:
    with _app(helsinki_store, tmp_path, []) as client:
        answer = client.get(route, params=params)
        assert answer.status_code == 422, answer.text
    result = runner.invoke(ask_commands.app, command)
    assert result.exit_code == 2, result.output
