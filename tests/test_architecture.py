"""Drift checks on the layout the README promises: Cypher only in cypher/, the driver only in graph/."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from graph.cypher import REGISTRY, CypherNotFound
from graph.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["graph", "loaders", "questions", "api", "viz", "partnergraph", "i18n", "bench"]
CYPHER_LIKE = re.compile(
    r"\b(MATCH|OPTIONAL MATCH|MERGE|UNWIND|DETACH DELETE)\s*[\(\$]"
    r"|\bCREATE\s+(\(|CONSTRAINT|INDEX)|\bRETURN\s+\w+\s*(AS|,)"
)


def python_files() -> list[Path]:
    return [p for pkg in PACKAGES if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py")]


def string_literals(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.STRING]


def test_no_cypher_text_outside_the_cypher_folder() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in python_files()
        for line, literal in string_literals(path)
        if CYPHER_LIKE.search(literal)
    ]
    assert offenders == [], "Cypher belongs in cypher/*.cypher, loaded through graph.cypher.REGISTRY"


def test_no_driver_or_database_code_outside_graph() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in python_files()
        # bench/ measures our overhead against the raw driver, so it may use the driver itself.
        if path.parts[len(ROOT.parts)] not in ("graph", "bench")
        and re.search(r"^\s*(import neo4j|from neo4j|import arcadedb|from arcadedb)", path.read_text(), re.M)
    ]
    assert offenders == []


def test_every_cypher_file_is_referenced_by_name_in_code() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in python_files())
    unused = [name for name in REGISTRY.names() if f'"{name}"' not in code and f"'{name}'" not in code]
    assert unused == [], f"Cypher files no code refers to: {unused}"


def test_registry_fails_fast_on_a_missing_or_invalid_name() -> None:
    with pytest.raises(CypherNotFound):
        REGISTRY.get("no_such_statement")
    with pytest.raises(CypherNotFound):
        REGISTRY.get("../graph/schema")


def test_placeholders_accept_only_declared_names() -> None:
    schema = load_schema()
    assert ":Entity:City)" in REGISTRY.get("nodes_create", schema, kind="City")
    with pytest.raises(KeyError):
        REGISTRY.get("nodes_create", schema, kind="City {key: 'x'}) DETACH DELETE n //")
    with pytest.raises(KeyError):
        REGISTRY.get("relations_create", schema, rel="MEMBER_OF]->() DELETE r //")
    with pytest.raises(ValueError, match="needs a node kind"):
        REGISTRY.get("nodes_create")
