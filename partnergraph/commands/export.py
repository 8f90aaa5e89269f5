"""`partnergraph export`: the graph or a subgraph as GraphML, GEXF, JSON (node-link) or an .xlsx
workbook that `partnergraph load` reads back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import networkx as nx
import typer
from rich.console import Console

from graph.store import GraphStore
from partnergraph.commands.common import _, tagged
from partnergraph.context import store_from_settings
from viz.export import FORMATS, ExportError, add_contacts, export, subgraph
from viz.xlsx import graph_workbook

console = Console(stderr=True)
SUFFIXES = {".graphml": "graphml", ".gexf": "gexf", ".json": "json", ".xlsx": "xlsx"}
ALL_FORMATS = (*FORMATS, "xlsx")


def export_graph(
    store: GraphStore, keys: list[str] | None = None, depth: int = 1, *, include_contacts: bool = False
) -> nx.MultiDiGraph[str]:
    """The graph to export: everything, or the given keys and their neighbours to `depth`; contact
    fields only when asked for."""
    graph = store.snapshot()
    if keys:
        graph = subgraph(graph, keys, depth)
    if include_contacts:
        add_contacts(graph, store.read("contacts_for_export"))
    return graph


HELP = _("Export the graph, or the subgraph around some keys, for Gephi, yEd, Cytoscape, networkx or Excel.")


def command(
    output: Annotated[Path, typer.Option("--output", "-o", help=_("File to write."), dir_okay=False)],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help=_("One of {formats}; default: from the file suffix.", formats=", ".join(ALL_FORMATS))
        ),
    ] = None,
    keys: Annotated[
        list[str] | None, typer.Option("--key", "-k", help=_("Export these nodes and their neighbours."))
    ] = None,
    depth: Annotated[int, typer.Option(min=0, max=10, help=_("Neighbours up to this many relations away."))] = 1,
    include_contacts: Annotated[
        bool, typer.Option("--include-contacts", help=_("Add personal contact fields (email, phone) of persons."))
    ] = False,
) -> None:
    fmt = fmt or SUFFIXES.get(output.suffix.lower())
    if fmt not in ALL_FORMATS:
        message = _("name a format with --format ({formats})", formats=", ".join(ALL_FORMATS))
        console.print(tagged("red", _("error"), message), highlight=False)
        raise typer.Exit(2)
    try:
        with store_from_settings() as store:
            graph = export_graph(store, keys, depth, include_contacts=include_contacts)
            schema = store.schema
        if fmt == "xlsx":
            content = graph_workbook(graph, schema, include_contacts=include_contacts)
        else:
            content = export(graph, fmt)
    except ExportError as exc:
        console.print(tagged("red", _("error"), exc), highlight=False)
        raise typer.Exit(2) from exc
    output.write_bytes(content)
    values = {"nodes": graph.number_of_nodes(), "relations": graph.number_of_edges(), "file": output, "format": fmt}
    console.print(
        _("wrote {nodes} nodes and {relations} relations with contact fields to {file} ({format})", **values)
        if include_contacts
        else _("wrote {nodes} nodes and {relations} relations to {file} ({format})", **values),
        highlight=False,
    )
