"""No module outside `graph/` names a node kind or a relation type in a literal (issue 10): code
asks the schema for a role (`Schema.kind_with_role("theme")`, `Schema.types_with_role("theme_link")`),
importers resolve names through `Schema.resolve_kind` / `resolve_type`, pages show the schema's
`label`s. Python is read as an AST (every string constant, f-string parts included); the pages'
scripts and templates by their quoted strings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from graph.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
PYTHON_PACKAGES = ("api", "viz", "questions", "loaders", "partnergraph", "i18n", "bench")
PAGE_DIRS = ("viz/static", "viz/templates", "api/static", "api/templates")
PAGE_SUFFIXES = (".js", ".html", ".j2")
VENDORED = ("vis-network.min.js",)  # third-party code shipped as it is
PENDING: set[str] = set()  # files let off while they are rewritten elsewhere: none now
_QUOTED = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""")


def schema_names() -> frozenset[str]:
    schema = load_schema()
    return frozenset((*schema.node_kinds, *schema.relation_types))


def pending(relative: str) -> bool:
    return any(relative == p or (p.endswith("/*") and relative.startswith(p[:-1])) for p in PENDING)


def python_files() -> list[Path]:
    return [p for package in PYTHON_PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]


def page_files() -> list[Path]:
    return [
        p
        for folder in PAGE_DIRS
        for p in sorted((ROOT / folder).rglob("*"))
        if p.suffix in PAGE_SUFFIXES and p.name not in VENDORED
    ]


def python_literals(source: str, names: frozenset[str]) -> list[tuple[int, str]]:
    """(line, name) for every string constant of `source` that is a kind or relation-type name."""
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
    )


def page_literals(text: str, names: frozenset[str]) -> list[tuple[int, str]]:
    """(line, name) for every quoted string of a script or template that is a kind or type name."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        found += [(number, m.group(2)) for m in _QUOTED.finditer(line) if m.group(2) in names]
    return found


def offences(files: list[Path], read: object) -> list[str]:
    names = schema_names()
    out = []
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if pending(relative):
            continue
        for line, name in read(path.read_text(encoding="utf-8"), names):  # type: ignore[operator]
            out.append(f"{relative}:{line}: {name!r}")
    return out


def test_no_python_module_outside_graph_names_a_kind_or_relation_type() -> None:
    found = offences(python_files(), python_literals)
    assert found == [], "ask the schema for a role (graph/schema.yaml kind_roles, relation_roles):\n" + "\n".join(found)


def test_no_page_script_or_template_names_a_kind_or_relation_type() -> None:
    found = offences(page_files(), page_literals)
    assert found == [], "take kinds and types from the page's data (the schema's roles):\n" + "\n".join(found)


def test_pending_names_only_files_that_exist() -> None:
    """An entry left in PENDING after its file moved would silently allow nothing, or too much."""
    for entry in PENDING:
        assert list(ROOT.glob(entry)), entry


@pytest.mark.parametrize(
    ("source", "hits"),
    [
        ('KIND = "City"', [(1, "City")]),
        ('x = f"{a}"\nrelation = {"type": "MEMBER_OF"}', [(2, "MEMBER_OF")]),
        ('"""A City is a City."""\nx = "city"', []),  # prose and other spellings are not names
    ],
)
def test_the_python_check_finds_a_literal(source: str, hits: list[tuple[int, str]]) -> None:
    assert python_literals(source, schema_names()) == hits


def test_the_page_check_finds_a_literal() -> None:
    assert page_literals("var k = \"Theme\";\nvar t = 'TOUCHES';\n// City", schema_names()) == [
        (1, "Theme"),
        (2, "TOUCHES"),
    ]
