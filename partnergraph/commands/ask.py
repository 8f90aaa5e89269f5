"""`partnergraph ask …`: every question of the API, from the command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="Ask the graph a question (search, entity, partners, contacts, paths…).", no_args_is_help=True)
