"""`partnergraph map …`: write an interactive network map to a self-contained HTML file.

One command a map of the catalogue (`viz/views.py`: the question asked, then viz/ draws its
subgraph), with the view's parameters as options; the file inlines vis-network and its data, so it
opens offline and makes no request to any host.
"""

import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from graph.store import GraphStore
from partnergraph.commands.common import _, answer, err, language, tagged
from partnergraph.commands.params import model_from, model_options, parameter
from viz.maps import MapData, render_map
from viz.views import MAP_VIEWS, MapView

app = typer.Typer(help=_("Write interactive network maps as self-contained HTML files."), no_args_is_help=True)


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


def _command(view: MapView[Any]) -> Callable[..., None]:
    model = view.page_model
    output = typer.Option("--output", "-o", help=_("The HTML file to write."), dir_okay=False)
    parameters = [
        *model_options(model, view.cli),
        parameter("output", Annotated[Path, output], Path(f"{view.name}.html")),
    ]

    def command(**given: Any) -> None:
        params = model_from(model, view.cli, given)
        _write(given["output"], lambda store: view.draw(store, params, language()))

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__name__ = f"{view.name}_map"
    return command


def add_commands(group: typer.Typer, views: Iterable[MapView[Any]]) -> None:
    """One command a map."""
    for view in views:
        group.command(view.name, help=_(view.help))(_command(view))


add_commands(app, MAP_VIEWS)
