"""A parameter model (pydantic) as command-line options and arguments, and back.

Fields become options (`--max-hops`); a `CliParam` hint makes one positional, renames it, gives
its help or turns it into a flag (`--any` for mode=any). What was given is validated by the model,
as the API validates its query, so a bound is declared once.
"""

import datetime as dt
import inspect
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import annotated_types
import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from partnergraph.commands.common import _, err, tagged
from questions.registry import AS_OF_HELP, CliParam

KEYWORD = inspect.Parameter.KEYWORD_ONLY


def parameter(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, KEYWORD, default=default, annotation=annotation)


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
        return inspect.Parameter(name, KEYWORD, default=False, annotation=Annotated[bool, option])
    kind = _cli_type(info.annotation)
    if _optional(info.annotation)[0] is dt.date:
        help_text = _(spec.help or AS_OF_HELP)
        option = typer.Option(f"--{shown}", formats=["%Y-%m-%d"], help=help_text)
        return inspect.Parameter(name, KEYWORD, default=None, annotation=Annotated[kind, option])
    if spec.argument:
        argument = typer.Argument(help=help_text, metavar=shown.upper(), show_default=False)
        return inspect.Parameter(name, KEYWORD, default=default, annotation=Annotated[kind, argument])
    option = typer.Option(f"--{shown}", help=help_text, **_bounds(info))
    return inspect.Parameter(name, KEYWORD, default=default, annotation=Annotated[kind, option])


def model_from(model: type[BaseModel], cli: Mapping[str, CliParam], given: dict[str, Any]) -> BaseModel:
    """The parameters from what the command line gave, validated by the model (exit 2 if not)."""
    values: dict[str, Any] = {}
    for name in model.model_fields:
        value = given[name]
        spec = cli.get(name, CliParam())
        if spec.flag_for is not None:
            if not value:
                continue
            value = spec.flag_for
        if isinstance(value, dt.datetime):
            value = value.date()
        if value is not None:
            values[name] = value
    try:
        params: BaseModel = model.model_validate(values, by_name=True)
        return params
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        err.print(tagged("red", _("invalid question"), problems), highlight=False)
        raise typer.Exit(2) from exc


def model_options(model: type[BaseModel], cli: Mapping[str, CliParam]) -> list[inspect.Parameter]:
    """The model's fields as typer parameters, in the model's order (keyword-only: typer keeps it)."""
    return [_parameter(name, info, cli.get(name, CliParam())) for name, info in model.model_fields.items()]
