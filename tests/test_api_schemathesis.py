"""Property-based tests from the app's own OpenAPI schema (schemathesis 4): no server error, and
every answer matches the documented status codes, content types and schemas.

Reads run against the Helsinki graph with an admin key (so every route is exercised); writes run
against an empty graph, since generated writes do succeed now and then.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED
from schemathesis.checks import is_check_class, load_all_checks
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance
from test_api_support import headers, make_settings

from api.app import create_app
from graph.store import GraphStore
from partnergraph.settings import Settings

load_all_checks()
# Every registered check (what `schemathesis run --checks all` runs), not a chosen few.
# One refinement, stated: a request can match the schema and still break a rule no JSON Schema can
# state (the console's text is not Cypher the console runs; a record breaks graph/schema.yaml's data
# rules: a relation to an entity that does not exist, a property of another kind). Those documented
# refusals, and only those (by their problem type), count as answers to valid data; a refusal of the
# request's shape (invalid-request) still fails.
DATA_RULES = {
    ("POST", "/cypher"): "urn:partnergraph:problem:query-refused",
    ("POST", "/entities"): "urn:partnergraph:problem:validation-failed",
    ("PATCH", "/entities/{key}"): "urn:partnergraph:problem:validation-failed",
    ("POST", "/relations"): "urn:partnergraph:problem:validation-failed",
    ("PATCH", "/relations/{start}/{end}/{key}"): "urn:partnergraph:problem:validation-failed",
}


def positive_data_acceptance_but_data_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        try:
            problem_type = response.json().get("type")
        except ValueError:
            raise
        if DATA_RULES.get((case.method.upper(), case.path)) == problem_type:
            return None
        raise


CHECKS = [
    positive_data_acceptance_but_data_rules if check is positive_data_acceptance else check
    for check in REGISTERED.get_all()
    if not is_check_class(check)
]
WRITES = r"^/(entities|relations)"
EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples on every run: a failure here is reproducible
)

# The schema is read at import time, from an app whose store each test sets (the fixtures below).
_AUDIT_DIR = tempfile.TemporaryDirectory(prefix="partnergraph-schemathesis-")


class _NoStoreYet:
    """Stands in until a fixture sets the real store; any use of it is a bug in this module."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError("the test did not set APP.state.store")


APP = create_app(make_settings(Path(_AUDIT_DIR.name)), store=cast(GraphStore, _NoStoreYet()))
SCHEMA = schemathesis.openapi.from_dict(APP.openapi())
SCHEMA.app = APP  # requests go to the app in-process (ASGI transport)


@pytest.fixture
def on_helsinki(helsinki_store: GraphStore) -> Iterator[None]:
    APP.state.store = helsinki_store
    yield


@pytest.fixture
def on_empty_graph(store: GraphStore) -> Iterator[None]:
    APP.state.store = store
    yield


@SCHEMA.exclude(path_regex=WRITES).parametrize()
@EXAMPLES
def test_reads_conform_to_the_schema(case: Any, on_helsinki: None) -> None:
    case.call_and_validate(headers=headers("admin"), checks=CHECKS)


@SCHEMA.include(path_regex=WRITES).parametrize()
@EXAMPLES
def test_writes_conform_to_the_schema(case: Any, on_empty_graph: None) -> None:
    case.call_and_validate(headers=headers("admin"), checks=CHECKS)


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_no_documented_pattern_uses_an_engine_dependent_class() -> None:
    """A backslash class (s, d, w and their negations) matches other sets in JSON Schema's ECMA-262,
    in Python and in Rust (pydantic): a pattern using one documents what the server does not check."""
    patterns = list(_patterns(create_app(Settings()).openapi()))
    assert len(patterns) > 3, "too few patterns found: is the walk broken?"
    assert [p for p in patterns if re.search(r"\\[sSdDwW]", p)] == []
