"""`partnergraph backup` and `partnergraph restore`: offline copies of the managed database.

For a Neo4j given by NEO4J_URI use Neo4j's own tools (`neo4j-admin database dump`, see README)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph.connect import managed_server
from graph.store import StoreUnavailable
from partnergraph.commands.common import _
from partnergraph.settings import get_settings


def _refuse_external() -> None:
    if get_settings().neo4j_uri:
        typer.echo(_("NEO4J_URI is set: back that server up with `neo4j-admin database dump` (see README)."), err=True)
        raise typer.Exit(2)


BACKUP_HELP = _("Copy the managed database (data, users, passwords) into an owner-only archive.")


def backup(
    output: Annotated[Path, typer.Option("-o", "--output", help=_("The archive to write (.tar.gz)."))],
) -> None:
    _refuse_external()
    server = managed_server(get_settings().store_config())
    try:
        files = server.backup(output)
    except StoreUnavailable as exc:
        typer.echo(_("backup failed: {error}", error=exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        _(
            "{engine}: {count} files from {folder} written to {file}",
            engine=server.engine,
            count=files,
            folder=server.root,
            file=output,
        )
    )


RESTORE_HELP = _("Unpack a backup into the data folder (PARTNERGRAPH_DATA_DIR) for the configured engine.")


def restore(
    archive: Annotated[Path, typer.Argument(help=_("An archive written by `partnergraph backup`."), exists=True)],
    replace: Annotated[bool, typer.Option("--replace", help=_("Overwrite a database already there."))] = False,
) -> None:
    _refuse_external()
    server = managed_server(get_settings().store_config())
    try:
        files = server.restore(archive, replace=replace)
    except (StoreUnavailable, FileExistsError, ValueError) as exc:
        typer.echo(_("restore failed: {error}", error=exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        _("{engine}: {count} files restored into {folder}", engine=server.engine, count=files, folder=server.root)
    )
