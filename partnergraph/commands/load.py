"""`partnergraph load`: validate every source first, then write all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from graph.model import ValidationFailed
from graph.store import WriteSummary
from loaders.base import LoadOptions
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import LoadReport, load
from partnergraph.commands.common import _, tagged
from partnergraph.context import store_from_settings

console = Console(stderr=True)


def summary_table(summary: WriteSummary) -> Table:
    table = Table(_("kind or relation type"), _("created"), _("updated"), _("unchanged"), title=_("What the load did"))
    names = sorted(set(summary.created) | set(summary.updated) | set(summary.unchanged))
    for name in names:
        table.add_row(name, str(summary.created[name]), str(summary.updated[name]), str(summary.unchanged[name]))
    return table


def print_report(report: LoadReport) -> None:
    for error in report.skipped:
        console.print(tagged("yellow", _("skipped"), error), markup=True, highlight=False)
    if report.dry_run:
        console.print(_("dry run: {count} valid record(s), nothing written", count=report.records))
        return
    console.print(summary_table(report.summary))
    if report.candidates:
        console.print(
            _("{count} candidate relation(s) for review (not added): see --candidates", count=len(report.candidates))
        )


HELP = _(
    "Load sources into the graph: the curated dataset, CSV files, contacts, Kumu sheets, .xlsx workbooks, documents."
)


def command(
    sources: Annotated[
        list[Path] | None, typer.Argument(help=_("Files or dataset folders; default: the Helsinki dataset."))
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help=_("Loader name, when it cannot be detected."))] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_("Validate only; write nothing."))] = False,
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help=_("Load the good rows and list the bad ones."))
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 5_000,
    document_id: Annotated[
        str | None,
        typer.Option(help=_("Document id used in provenance (documents; workbook rows with a quote but no document).")),
    ] = None,
    candidates: Annotated[
        Path | None, typer.Option("--candidates", help=_("Write candidate relations from documents to this JSON file."))
    ] = None,
) -> None:
    paths = sources or [DEFAULT_DATASET]
    options = LoadOptions(skip_bad_rows=skip_bad_rows, document_id=document_id)
    try:
        with store_from_settings() as store, Progress(console=console, transient=True) as bar:
            task = bar.add_task(_("writing"), total=None)
            report = load(
                store,
                [(p, fmt) for p in paths],
                options,
                dry_run=dry_run,
                batch_size=batch_size,
                progress=lambda n: bar.advance(task, n),
            )
    except ValidationFailed as exc:
        console.print(tagged("red", _("nothing was written"), exc), highlight=False)
        raise typer.Exit(1) from exc
    except KeyError as exc:
        console.print(tagged("red", _("error"), exc.args[0]), highlight=False)
        raise typer.Exit(2) from exc
    print_report(report)
    if candidates is not None:
        candidates.write_text(json.dumps(report.candidates, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
