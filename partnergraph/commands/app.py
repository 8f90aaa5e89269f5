"""The `partnergraph` typer app: the root options, `info` and `serve`, and every command group.

Importing this module builds every help text (`help=_(…)`) in the CLI's language, so
`partnergraph.cli.main` sets that language from `--lang` before it imports this module.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from partnergraph.commands import ask, backup, brief, db, export, keys, load, maps, template
from partnergraph.commands.common import _, set_language
from partnergraph.context import store_from_settings
from partnergraph.settings import get_settings

app = typer.Typer(help=_("partnergraph: a city's international relations as a property graph."), no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(ask.app, name="ask")
app.add_typer(maps.app, name="map")
app.add_typer(keys.app, name="keys")
app.command("load", help=load.HELP)(load.command)
app.command("export", help=export.HELP)(export.command)
app.command("template", help=template.HELP)(template.command)
app.command("brief", help=brief.HELP)(brief.command)
app.command("backup", help=backup.BACKUP_HELP)(backup.backup)
app.command("restore", help=backup.RESTORE_HELP)(backup.restore)
console = Console()


@app.callback()
def root(
    lang: Annotated[
        str | None,
        typer.Option("--lang", help=_("fi, sv or en (default: PARTNERGRAPH_LANG, else the locale, else en).")),
    ] = None,
) -> None:
    set_language(lang)


@app.command(help=_("Which store is in use, and how many nodes and relations of each kind it holds."))
def info() -> None:
    with store_from_settings() as store:
        store_info, counts = store.info(), store.counts()
    console.print(
        _("store: {backend} ({agent}) at {uri}", backend=store_info.backend, agent=store_info.agent, uri=store_info.uri)
    )
    table = Table(_("kind / relation type"), _("count"))
    for name, count in {**counts.nodes, **counts.relations}.items():
        table.add_row(name, str(count))
    table.add_row(_("nodes"), str(counts.total_nodes), style="bold")
    table.add_row(_("relations"), str(counts.total_relations), style="bold")
    console.print(table)


@app.command(help=_("Serve the API and the explorer page."))
def serve(
    host: Annotated[str | None, typer.Option(help=_("Address to listen on (default 127.0.0.1)."))] = None,
    port: Annotated[int | None, typer.Option(help=_("Port (default 8000)."))] = None,
    load_if_empty: Annotated[
        bool, typer.Option("--load-if-empty", help=_("Load the Helsinki dataset into an empty graph."))
    ] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, max=32, help=_("Server processes, one a core (default 1)."))
    ] = None,
) -> None:
    import uvicorn  # noqa: PLC0415 - only the serve command needs it

    from api.app import create_app, load_dataset_if_empty  # noqa: PLC0415
    from api.audit import AuditLog  # noqa: PLC0415

    settings = get_settings()
    update = {"host": host or settings.host, "port": port or settings.port, "workers": workers or settings.workers}
    settings = settings.model_copy(update=update)
    if settings.workers == 1:
        uvicorn.run(create_app(settings, load_if_empty=load_if_empty), host=settings.host, port=settings.port)
        return
    # Worker processes read their settings from the environment and attach to the database started here.
    os.environ.update(
        PARTNERGRAPH_HOST=settings.host,
        PARTNERGRAPH_PORT=str(settings.port),
        PARTNERGRAPH_WORKERS=str(settings.workers),
    )
    with store_from_settings(settings, supervise=True) as store:
        if load_if_empty:
            load_dataset_if_empty(store)
        AuditLog(settings.audit_log).reconcile(store)  # before any worker can write
        uvicorn.run(
            "api.app:create_app", factory=True, host=settings.host, port=settings.port, workers=settings.workers
        )
