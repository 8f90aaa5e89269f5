"""Options commands share; their help, like every help text, is `_()` evaluated at import
in the language `partnergraph.cli.main` chose first."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from partnergraph.commands.common import _

AsOf = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help=_("Only relations valid on this day (yyyy-mm-dd).")),
]
