"""A parameter model (pydantic) as an endpoint's parameters: its path fields from the URL, the
rest as one query model, so the model's bounds and descriptions are the only declaration."""

import inspect
import re
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, create_model

KEYWORD = inspect.Parameter.KEYWORD_ONLY


def parameter(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, KEYWORD, default=default, annotation=annotation)


def path_fields(route: str) -> list[str]:
    return re.findall(r"{(\w+)}", route)


def model_parameters(model: type[BaseModel], route: str) -> list[inspect.Parameter]:
    """`route`'s path fields as path parameters, the model's other fields as the query `query`."""
    fields = model.model_fields
    in_path = path_fields(route)
    own: dict[str, Any] = {name: (info.annotation, info) for name, info in fields.items() if name not in in_path}
    query = create_model(f"{model.__name__}Query", **own)
    found = [
        parameter(
            name, Annotated[fields[name].annotation, *fields[name].metadata, Path(description=fields[name].description)]
        )
        for name in in_path
    ]
    return [*found, parameter("query", Annotated[query, Query()])]


def model_from(model: type[BaseModel], route: str, values: dict[str, Any]) -> BaseModel:
    """The parameters FastAPI validated (the query model and the path fields) as `model`."""
    query: BaseModel = values["query"]
    fields = {name: getattr(query, name) for name in type(query).model_fields}
    return model.model_construct(**fields, **{name: values[name] for name in path_fields(route)})
