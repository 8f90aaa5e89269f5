"""The `partnergraph` command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph.store import StoreUnavailable
from partnergraph.commands import ask, backup, brief, db, export, keys, load, maps, template
from partnergraph.commands.common import _, set_language, tagged
from partnergraph.context import store_from_settings
from partnergraph.settings import get_settings

app = typer.Typer(help="partnergraph: a city's international relations as a property graph.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(ask.app, name="ask")
app.add_typer(maps.app, name="map")
app.add_typer(keys.app, name="keys")
app.command("load")(load.command)
app.command("export")(export.command)
app.command("template")(template.command)
app.command("brief")(brief.command)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
console = Console()


@app.callback()
def root(
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="fi, sv or en (default: PARTNERGRAPH_LANG, else the locale, else en)."),
    ] = None,
) -> None:
    """partnergraph: a city's international relations as a property graph."""
    set_language(lang)


@app.command()
def info() -> None:
    """Which store is in use, and how many nodes and relations of each kind it holds."""
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


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    load_if_empty: Annotated[
        bool, typer.Option("--load-if-empty", help="Load the Helsinki dataset into an empty graph.")
    ] = False,
) -> None:
    """Serve the API and the explorer page."""
    import uvicorn  # noqa: PLC0415 - only the serve command needs it

    from api.app import create_app  # noqa: PLC0415

    settings = get_settings()
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    uvicorn.run(create_app(settings, load_if_empty=load_if_empty), host=settings.host, port=settings.port)


def main() -> None:
    try:
        app()
    except StoreUnavailable as exc:
        Console(stderr=True).print(tagged("red", _("database unavailable"), exc), highlight=False)
        raise SystemExit(3) from exc


if __name__ == "__main__":
    main()
