"""Documentation drift: every route, command and setting is in the README (after datasette's test_docs)."""

from __future__ import annotations

from pathlib import Path

import typer

from api.app import create_app
from partnergraph.cli import app as cli_app
from partnergraph.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def command_paths(app: typer.Typer, prefix: str = "partnergraph") -> list[str]:
    names = [f"{prefix} {c.name or c.callback.__name__}" for c in app.registered_commands if c.callback]
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name
        names += command_paths(group.typer_instance, f"{prefix} {group.name}")
    return names


def test_every_route_is_documented() -> None:
    """Every operation in the OpenAPI schema appears in README.md as `METHOD /path`."""
    paths = create_app(Settings()).openapi()["paths"]
    operations = [f"{method.upper()} {path}" for path, item in paths.items() for method in item]
    assert len(operations) > 10
    missing = [op for op in operations if f"`{op}`" not in README]
    assert missing == [], "document these routes in README.md's API table"


def test_every_command_is_documented() -> None:
    commands = command_paths(cli_app)
    assert "partnergraph db start" in commands
    missing = [c for c in commands if f"`{c}" not in README]
    assert missing == [], "document these commands in README.md"


def test_every_setting_is_documented() -> None:
    names = [
        str(field.validation_alias)
        for field in Settings.model_fields.values()
        if isinstance(field.validation_alias, str)
    ]
    assert "NEO4J_URI" in names
    missing = [n for n in names if f"`{n}`" not in README]
    assert missing == [], "document these settings in README.md's configuration table"
