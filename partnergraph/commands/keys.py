"""`partnergraph keys new`: make an API key. The key is printed once; only its hash is configured."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from partnergraph.access import Role, hash_key, new_key
from partnergraph.commands.common import _
from partnergraph.settings import ApiKeyEntry

app = typer.Typer(help=_("API keys: make one for a person or a service."), no_args_is_help=True)


@app.command(help=_("Print a fresh key once, and the entry to add to PARTNERGRAPH_API_KEYS (or the keys file)."))
def new(
    name: Annotated[str, typer.Option("--name", help=_("Who holds the key (shown in the audit log)."))],
    role: Annotated[str, typer.Option("--role", help=_("reader, contacts, editor or admin (cumulative)."))] = "reader",
) -> None:
    if role not in Role.__members__:
        typer.echo(
            _("unknown role {role}; one of: {roles}", role=repr(role), roles=", ".join(Role.__members__)), err=True
        )
        raise typer.Exit(2)
    key = new_key()
    try:
        entry = ApiKeyEntry(name=name, role=role, sha256=hash_key(key))  # type: ignore[arg-type]
    except ValidationError as exc:
        typer.echo(_("invalid name {name}: up to 100 letters, digits, spaces and . _ @ -", name=repr(name)), err=True)
        raise typer.Exit(2) from exc
    line = json.dumps(entry.model_dump())
    typer.echo(_("API key for {name} ({role}) - shown once, store it now:", name=name, role=role) + f"\n\n  {key}\n")
    typer.echo(_("Add this entry to the JSON list in PARTNERGRAPH_API_KEYS or in PARTNERGRAPH_API_KEYS_FILE:") + "\n")
    typer.echo(f"  {line}\n")
    typer.echo(_("For example, as the only key:") + f"\n\n  PARTNERGRAPH_API_KEYS='[{line}]'")
