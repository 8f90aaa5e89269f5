"""`partnergraph map …`: write an interactive network map to a self-contained HTML file."""

from __future__ import annotations

import typer

app = typer.Typer(help="Write interactive network maps as self-contained HTML files.", no_args_is_help=True)
