"""`partnergraph ask …`: every question of the catalogue (`questions/registry.py`), from the command line.

Each command is built from its question's parameter model: fields become options (`--max-hops`),
the entry's `cli` hints make some positional or flags, and the model validates what was given,
as it does for the API. The answer prints as tables (`partnergraph/commands/tables.py`), or as the
API's JSON with `--json`. Wherever a key is asked, a name or an alias in Finnish, Swedish or English
does too ("C40", "Helsingfors", "--theme MaaS"). Contact email and phone are shown only with
`--include-contacts`: whoever runs the CLI owns the database, but shoulder-surfing is real.
"""

import datetime as dt
import inspect
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import annotated_types
import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from graph.schema import load_schema
from graph.store import GraphStore
from partnergraph.commands import tables
from partnergraph.commands.common import _, answer, err, tagged
from questions.registry import AS_OF_HELP, QUESTIONS, CliParam, Paging, Question
from viz.xlsx import answer_workbook

app = typer.Typer(
    help=_("Ask the graph a question (search, entity, partners, contacts, paths…)."), no_args_is_help=True
)
_KEYWORD = inspect.Parameter.KEYWORD_ONLY


def _optional(annotation: Any) -> tuple[Any, bool]:
    """`X | None` as (X, True)."""
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation, optional = args[0], True
    if typing.get_origin(annotation) is Annotated:  # constraints the model checks, not typer
        annotation = typing.get_args(annotation)[0]
    return annotation, optional


def _bounds(info: FieldInfo) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            found["min"] = item.ge
        elif isinstance(item, annotated_types.Le):
            found["max"] = item.le
    return found


def _cli_type(annotation: Any) -> Any:
    """The type typer parses: choices and dates as typer knows them; lists of them."""
    inner, optional = _optional(annotation)
    if typing.get_origin(inner) is list:
        return list[str] | None if optional else list[str]
    if typing.get_origin(inner) is Literal:
        return str
    if inner is dt.date:
        return dt.datetime | None
    return inner | None if optional else inner


def _parameter(name: str, info: FieldInfo, spec: CliParam) -> inspect.Parameter:
    """One typer parameter for one field of the question's model."""
    text = spec.help or info.description
    help_text = _(text) if text else None
    shown = (spec.name or name).replace("_", "-")
    default = inspect.Parameter.empty if info.is_required() else info.get_default()
    if spec.flag_for is not None:
        option: Any = typer.Option(f"--{shown}", help=help_text)
        return inspect.Parameter(name, _KEYWORD, default=False, annotation=Annotated[bool, option])
    kind = _cli_type(info.annotation)
    if _optional(info.annotation)[0] is dt.date:
        help_text = _(spec.help or AS_OF_HELP)
        option = typer.Option(f"--{shown}", formats=["%Y-%m-%d"], help=help_text)
        return inspect.Parameter(name, _KEYWORD, default=None, annotation=Annotated[kind, option])
    if spec.argument:
        argument = typer.Argument(help=help_text, metavar=shown.upper(), show_default=False)
        return inspect.Parameter(name, _KEYWORD, default=default, annotation=Annotated[kind, argument])
    option = typer.Option(f"--{shown}", help=help_text, **_bounds(info))
    return inspect.Parameter(name, _KEYWORD, default=default, annotation=Annotated[kind, option])


def _common(question: Question[Any, Any]) -> list[inspect.Parameter]:
    found = [
        inspect.Parameter(
            "as_json",
            _KEYWORD,
            default=False,
            annotation=Annotated[bool, typer.Option("--json", help=_("Print the answer as JSON (the API's format)."))],
        )
    ]
    if question.xlsx:
        workbook = typer.Option("--xlsx", help=_("Also write the answer to this .xlsx workbook."), dir_okay=False)
        found.append(inspect.Parameter("xlsx", _KEYWORD, default=None, annotation=Annotated[Path | None, workbook]))
    if question.personal:
        shown = typer.Option("--include-contacts", help=_("Also show email and phone (personal data)."))
        found.append(inspect.Parameter("include_contacts", _KEYWORD, default=False, annotation=Annotated[bool, shown]))
    if question.paged is not None:
        found += _paging(question.paged)
    return found


def _paging(paging: Paging) -> list[inspect.Parameter]:
    limit = typer.Option("--limit", min=1, max=paging.max_limit, help=_("At most this many items (default: all)."))
    offset = typer.Option("--offset", min=0, max=paging.max_offset, help=_("Items to skip."))
    return [
        inspect.Parameter("limit", _KEYWORD, default=paging.cli_limit, annotation=Annotated[int | None, limit]),
        inspect.Parameter("offset", _KEYWORD, default=0, annotation=Annotated[int, offset]),
    ]


def _values(question: Question[Any, Any], given: dict[str, Any]) -> BaseModel:
    """The question's parameters from what the command line gave, validated by the model."""
    values: dict[str, Any] = {}
    for name in question.params.model_fields:
        value = given[name]
        spec = question.cli.get(name, CliParam())
        if spec.flag_for is not None:
            if not value:
                continue
            value = spec.flag_for
        if isinstance(value, dt.datetime):
            value = value.date()
        if value is not None:
            values[name] = value
    try:
        params: BaseModel = question.params.model_validate(values, by_name=True)
        return params
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        err.print(tagged("red", _("invalid question"), problems), highlight=False)
        raise typer.Exit(2) from exc


def _command(question: Question[Any, Any]) -> Callable[..., None]:
    fields = question.params.model_fields
    own = [_parameter(name, info, question.cli.get(name, CliParam())) for name, info in fields.items()]
    parameters = own + _common(question)  # keyword-only: typer keeps this order for the arguments

    def command(**given: Any) -> None:
        params = _values(question, given)
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
