"""`partnergraph db start|stop|status`: keep the embedded database running between commands."""

from __future__ import annotations

import typer

from graph.connect import managed_server
from graph.managed import ManagedServer
from partnergraph.settings import get_settings

app = typer.Typer(
    help="Manage the embedded database server (PARTNERGRAPH_EMBEDDED; ignored when NEO4J_URI is set).",
    no_args_is_help=True,
)


def _server() -> ManagedServer:
    settings = get_settings()
    if settings.neo4j_uri:
        typer.echo("NEO4J_URI is set: partnergraph uses that server, not the embedded one.", err=True)
        raise typer.Exit(2)
    return managed_server(settings.store_config())


@app.command()
def start() -> None:
    """Start the embedded server in the background and leave it running."""
    server = _server()
    state = server.start(detached=True)
    typer.echo(f"{server.engine} running: pid {state.pid}, {state.uri}, data in {server.root}")


@app.command()
def stop() -> None:
    """Stop the embedded server started with `db start`."""
    server = _server()
    typer.echo("stopped" if server.stop() else "not running")


@app.command()
def status() -> None:
    """Tell whether the embedded server is running (exit code 1 when it is not)."""
    server = _server()
    state = server.running()
    if state is None:
        typer.echo(f"{server.engine} not running (data in {server.root})")
        raise typer.Exit(1)
    typer.echo(f"{server.engine} running: pid {state.pid}, {state.uri}, data in {server.root}")
