"""`partnergraph template`: the .xlsx workbook city staff fill in, generated from the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph.schema import load_schema
from partnergraph.commands.common import _
from viz.xlsx import template

HELP = _("Write the spreadsheet template: a sheet per kind, drop-downs and an example row (no database needed).")


def command(
    output: Annotated[Path, typer.Option("--output", "-o", help=_("The .xlsx file to write."), dir_okay=False)] = Path(
        "partners.xlsx"
    ),
) -> None:
    output.write_bytes(template(load_schema()))
    typer.echo(_("wrote {file}: fill it in, then `partnergraph load {file}`", file=output))
