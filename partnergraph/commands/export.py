"""`partnergraph export`: the graph or a subgraph as GraphML, GEXF or JSON."""

from __future__ import annotations

import typer


def command() -> None:
    """Export the graph (not implemented yet)."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(2)
