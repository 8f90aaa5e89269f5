"""`partnergraph keys new`: make an API key. The key is printed once; only its hash is configured."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from api.security import Role, hash_key, new_key
from partnergraph.settings import ApiKeyEntry

app = typer.Typer(help="API keys: make one for a person or a service.", no_args_is_help=True)


@app.command()
def new(
    name: Annotated[str, typer.Option("--name", help="Who holds the key (shown in the audit log).")],
    role: Annotated[str, typer.Option("--role", help="reader, contacts, editor or admin (cumulative).")] = "reader",
) -> None:
    """Print a fresh key once, and the entry to add to PARTNERGRAPH_API_KEYS (or the keys file)."""
    if role not in Role.__members__:
        typer.echo(f"unknown role {role!r}; one of: {', '.join(Role.__members__)}", err=True)
        raise typer.Exit(2)
    key = new_key()
    try:
        entry = ApiKeyEntry(name=name, role=role, sha256=hash_key(key))  # type: ignore[arg-type]
    except ValidationError as exc:
        typer.echo(f"invalid name {name!r}: up to 100 letters, digits, spaces and . _ @ -", err=True)
        raise typer.Exit(2) from exc
    line = json.dumps(entry.model_dump())
    typer.echo(f"API key for {name} ({role}) - shown once, store it now:\n\n  {key}\n")
    typer.echo("Add this entry to the JSON list in PARTNERGRAPH_API_KEYS or in PARTNERGRAPH_API_KEYS_FILE:\n")
    typer.echo(f"  {line}\n")
    typer.echo(f"For example, as the only key:\n\n  PARTNERGRAPH_API_KEYS='[{line}]'")
