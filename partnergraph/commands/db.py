"""`partnergraph db start|stop|status`: keep the embedded database running between commands."""

from __future__ import annotations

import typer

from graph.connect import managed_server
from graph.managed import ManagedServer, ServerState
from partnergraph.commands.common import _
from partnergraph.settings import get_settings

app = typer.Typer(
    help=_("Manage the embedded database server (PARTNERGRAPH_EMBEDDED; ignored when NEO4J_URI is set)."),
    no_args_is_help=True,
)


def _server() -> ManagedServer:
    settings = get_settings()
    if settings.neo4j_uri:
        typer.echo(_("NEO4J_URI is set: partnergraph uses that server, not the embedded one."), err=True)
        raise typer.Exit(2)
    return managed_server(settings.store_config())


def _say_running(server: ManagedServer, state: ServerState) -> None:
    typer.echo(
        _(
            "{engine} running: pid {pid}, {uri}, data in {folder}",
            engine=server.engine,
            pid=state.pid,
            uri=state.uri,
            folder=server.root,
        )
    )


@app.command(help=_("Start the embedded server in the background and leave it running."))
def start() -> None:
    server = _server()
    _say_running(server, server.start(detached=True))


@app.command(help=_("Stop the embedded server started with `db start`."))
def stop() -> None:
    server = _server()
    typer.echo(_("stopped") if server.stop() else _("not running"))


@app.command(help=_("Tell whether the embedded server is running (exit code 1 when it is not)."))
def status() -> None:
    server = _server()
    state = server.running()
    if state is None:
        typer.echo(_("{engine} not running (data in {folder})", engine=server.engine, folder=server.root))
        raise typer.Exit(1)
    _say_running(server, state)
