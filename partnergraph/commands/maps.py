"""`partnergraph map …`: write an interactive network map to a self-contained HTML file.

The maps are the API's (viz/views.py: the question asked, then viz/ draws its subgraph); the
file inlines vis-network and its data, so it opens offline and makes no request to any host.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import typer

from graph.store import GraphStore
from partnergraph.commands.common import _, answer, as_date, err, language, tagged
from partnergraph.commands.options import AsOf, Kinds
from viz.maps import DEFAULT_NODE_CAP, MapData, render_map
from viz.views import neighbourhood_map, overview_map, paths_map, themes_map

app = typer.Typer(help=_("Write interactive network maps as self-contained HTML files."), no_args_is_help=True)

Output = Annotated[Path, typer.Option("--output", "-o", help=_("The HTML file to write."), dir_okay=False)]
NodeCap = Annotated[int, typer.Option("--node-cap", min=1, max=20_000, help=_("At most this many nodes on the map."))]


def _write(output: Path, draw: Callable[[GraphStore], MapData]) -> None:
    data = answer(draw)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_map(data, standalone=True), encoding="utf-8")
    if data.notice:
        err.print(tagged("yellow", _("note"), data.notice), highlight=False)
    nodes, relations = (
        _("{count} nodes", count=format(len(data.nodes), ",")),
        _("{count} relations", count=format(len(data.edges), ",")),
    )
    typer.echo(f"{output}: {nodes}, {relations}")


@app.command("neighbourhood", help=_("The entities within DEPTH relations of KEYS."))
def neighbourhood(
    keys: Annotated[list[str], typer.Argument(help=_("Entities to centre the map on: keys, names or aliases."))],
    output: Output = Path("neighbourhood.html"),
    depth: Annotated[int, typer.Option(min=0, max=3, help=_("How many relations away."))] = 2,
    kind: Kinds = None,
    theme: Annotated[list[str] | None, typer.Option("--theme", help=_("Keep entities on these themes."))] = None,
    as_of: AsOf = None,
    node_cap: NodeCap = DEFAULT_NODE_CAP,
) -> None:
    _write(
        output,
        lambda store: neighbourhood_map(
            store,
            keys,
            depth=depth,
            kinds=kind,
            themes=theme,
            as_of=as_date(as_of),
            node_cap=node_cap,
            language=language(),
        ),
    )


@app.command(
    "themes", help=_("The partners working on the themes (sub-themes included), or every theme without --theme.")
)
def themes(
    output: Output = Path("themes.html"),
    theme: Annotated[
        list[str] | None,
        typer.Option("--theme", help=_("Theme keys, names or aliases (repeatable); none: the theme overview.")),
    ] = None,
    mode: Annotated[str, typer.Option(help=_("Partners of 'any' of the themes or of 'all' of them."))] = "any",
    kind: Kinds = None,
    as_of: AsOf = None,
    node_cap: NodeCap = DEFAULT_NODE_CAP,
) -> None:
    if mode not in ("any", "all"):
        err.print(tagged("red", _("invalid"), _("--mode is any or all")), highlight=False)
        raise typer.Exit(2)
    chosen: Literal["all", "any"] = "all" if mode == "all" else "any"
    if not theme:
        _write(output, lambda store: overview_map(store, node_cap=node_cap, language=language()))
        return
    _write(
        output,
        lambda store: themes_map(
            store, theme, mode=chosen, kinds=kind, as_of=as_date(as_of), node_cap=node_cap, language=language()
        ),
    )


@app.command("paths", help=_("The shortest paths between START and END."))
def paths(
    start: Annotated[str, typer.Argument(help=_("Entity to start from: key, name or alias."))],
    end: Annotated[str, typer.Argument(help=_("Entity to reach: key, name or alias."))],
    output: Output = Path("paths.html"),
    max_hops: Annotated[int, typer.Option(min=1, max=6, help=_("Longest path considered."))] = 4,
    limit: Annotated[int, typer.Option(min=1, max=20, help=_("At most this many shortest paths."))] = 5,
    as_of: AsOf = None,
) -> None:
    _write(
        output,
        lambda store: paths_map(
            store, start, end, max_hops=max_hops, limit=limit, as_of=as_date(as_of), language=language()
        ),
    )
