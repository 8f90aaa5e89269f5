"""What keeps requests and the OpenAPI schema in agreement, beyond FastAPI's own validation.

- A query parameter that takes one value is refused when sent twice (FastAPI would keep the last).
- A 405 lists in `Allow` every method of every route at that path, not only the first route's.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.routing import compile_path

from api.problems import ProblemError
from graph.model import RecordError

_SCALARS: dict[int, frozenset[str]] = {}


def _takes_many(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin is typing.Annotated:
        return _takes_many(typing.get_args(annotation)[0])
    return any(_takes_many(arg) for arg in typing.get_args(annotation)) if origin is not None else False


def _query_params(dependant: Any) -> list[Any]:
    found = list(dependant.query_params)
    for sub in dependant.dependencies:
        found += _query_params(sub)
    return found


def _scalar_query_names(route: Any) -> frozenset[str]:
    cached = _SCALARS.get(id(route))
    if cached is None:
        params = _query_params(route.dependant)
        cached = frozenset(p.alias for p in params if not _takes_many(p.field_info.annotation))
        _SCALARS[id(route)] = cached
    return cached


async def single_valued_query(request: Request) -> None:
    """Refuse `?action=a&action=b` where `action` takes one value: the schema says one."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    names = _scalar_query_names(route)
    seen: dict[str, int] = {}
    for name, _ in request.query_params.multi_items():
        seen[name] = seen.get(name, 0) + 1
    repeated = sorted(n for n, count in seen.items() if count > 1 and n in names)
    if repeated:
        raise ProblemError(
            422,
            "The request is not valid.",
            slug="invalid-request",
            title="Invalid request",
            errors=[RecordError("request", f"query.{n}", "takes one value, given more than once") for n in repeated],
        )


def allowed_methods_finder(app: FastAPI, routes: list[Any]) -> Callable[[str], list[str]]:
    """path -> every method some route of the app answers there (for 405's Allow header)."""
    compiled: list[tuple[Any, set[str]]] = []
    for route in routes:
        regex, _, _ = compile_path(route.path)
        compiled.append((regex, set(route.methods or ())))
    for route in app.router.routes:  # the docs and schema routes FastAPI adds itself
        methods = getattr(route, "methods", None)
        if methods and hasattr(route, "path"):
            compiled.append((compile_path(route.path)[0], set(methods)))

    def find(path: str) -> list[str]:
        found: set[str] = set()
        for regex, methods in compiled:
            if regex.match(path):
                found |= methods
        return sorted(found)

    return find
