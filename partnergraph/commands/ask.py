"""`partnergraph ask …`: every question of the catalogue (`questions/registry.py`), from the command line.

Each command is built from its question's parameter model: fields become options (`--max-hops`),
the entry's `cli` hints make some positional or flags, and the model validates what was given,
as it does for the API. The answer prints as tables (`partnergraph/commands/tables.py`), or as the
API's JSON with `--json`. Wherever a key is asked, a name or an alias in Finnish, Swedish or English
does too ("C40", "Helsingfors", "--theme MaaS"). Contact email and phone are shown only with
`--include-contacts`: whoever runs the CLI owns the database, but shoulder-surfing is real.
"""

import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from graph.schema import load_schema
from graph.store import GraphStore
from partnergraph.commands import tables
from partnergraph.commands.common import _, answer, err
from partnergraph.commands.params import KEYWORD, model_from, model_options
from questions.registry import QUESTIONS, Paging, Question
from viz.xlsx import answer_workbook

app = typer.Typer(
    help=_("Ask the graph a question (search, entity, partners, contacts, paths…)."), no_args_is_help=True
)


def _common(question: Question[Any, Any]) -> list[inspect.Parameter]:
    found = [
        inspect.Parameter(
            "as_json",
            KEYWORD,
            default=False,
            annotation=Annotated[bool, typer.Option("--json", help=_("Print the answer as JSON (the API's format)."))],
        )
    ]
    if question.xlsx:
        workbook = typer.Option("--xlsx", help=_("Also write the answer to this .xlsx workbook."), dir_okay=False)
        found.append(inspect.Parameter("xlsx", KEYWORD, default=None, annotation=Annotated[Path | None, workbook]))
    if question.personal:
        shown = typer.Option("--include-contacts", help=_("Also show email and phone (personal data)."))
        found.append(inspect.Parameter("include_contacts", KEYWORD, default=False, annotation=Annotated[bool, shown]))
    if question.paged is not None:
        found += _paging(question.paged)
    return found


def _paging(paging: Paging) -> list[inspect.Parameter]:
    limit = typer.Option("--limit", min=1, max=paging.max_limit, help=_("At most this many items (default: all)."))
    offset = typer.Option("--offset", min=0, max=paging.max_offset, help=_("Items to skip."))
    return [
        inspect.Parameter("limit", KEYWORD, default=paging.cli_limit, annotation=Annotated[int | None, limit]),
        inspect.Parameter("offset", KEYWORD, default=0, annotation=Annotated[int, offset]),
    ]


def _command(question: Question[Any, Any]) -> Callable[..., None]:
    parameters = model_options(question.params, question.cli) + _common(question)

    def command(**given: Any) -> None:
        params = model_from(question.params, question.cli, given)
        personal = bool(given.get("include_contacts"))
        result = _answer(question, params, personal)
        if (xlsx := given.get("xlsx")) is not None:
            xlsx.write_bytes(answer_workbook(result, load_schema(), include_personal=personal))
            err.print(_("wrote {file}", file=str(xlsx)), highlight=False)
        if question.paged is not None and given.get("limit") is not None:
            result = question.page(result, given["limit"], given["offset"])
        if given["as_json"]:
            typer.echo(result.model_dump_json(indent=2))
        else:
            tables.show(question.name, result)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__name__ = f"{question.name.replace('-', '_')}_command"
    return command


def _answer(question: Question[Any, Any], params: BaseModel, personal: bool) -> BaseModel:
    if question.from_schema is not None:  # no database needed
        offline: BaseModel = question.from_schema(load_schema())
        return offline

    def asked(store: GraphStore) -> BaseModel:
        found: BaseModel = question.ask(store, params, include_personal=personal)
        return found

    return answer(asked)


def add_commands(group: typer.Typer, questions: Iterable[Question[Any, Any]]) -> None:
    """One command a question."""
    for question in questions:
        group.command(question.name, help=_(question.help))(_command(question))


add_commands(app, QUESTIONS)
