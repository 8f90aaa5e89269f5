"""`partnergraph db start|stop|status`: keep the embedded database running between commands."""

from __future__ import annotations

import typer

from graph.embedded import EmbeddedServer
from partnergraph.settings import get_settings

app = typer.Typer(help="Manage the embedded ArcadeDB server (ignored when NEO4J_URI is set).", no_args_is_help=True)


def _server() -> EmbeddedServer:
    settings = get_settings()
    if settings.neo4j_uri:
        typer.echo("NEO4J_URI is set: partnergraph uses that server, not the embedded one.", err=True)
        raise typer.Exit(2)
    config = settings.store_config()
    return EmbeddedServer(config.data_dir, heap=config.heap, command_timeout_ms=config.command_timeout_ms)


@app.command()
def start() -> None:
    """Start the embedded server in the background and leave it running."""
    server = _server()
    state = server.start(detached=True)
    typer.echo(f"running: pid {state.pid}, {state.uri}, data in {server.root}")


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
        typer.echo(f"not running (data in {server.root})")
        raise typer.Exit(1)
    typer.echo(f"running: pid {state.pid}, {state.uri}, data in {server.root}")
