"""Every error as RFC 9457 `application/problem+json`: no stack traces, no Cypher, no driver text.

`install(app)` registers the handlers; `ProblemError` is what routes raise for 4xx answers;
two pure ASGI middlewares cap request bodies (413) and turn anything unexpected into a generic 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, TypedDict, Unpack

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import HttpMiddleware, on_response_start
from graph.model import KEY_PATTERN, RecordError, ValidationFailed, key_problem
from graph.readonly import ReadOnlyRefused
from graph.store import (
    AlreadyExists,
    NotFound,
    PreconditionFailed,
    QueryTimeout,
    StoreError,
    StoreInDoubt,
    StoreUnavailable,
    WriteConflict,
)
from questions.common import EntityRef, QuestionError
from questions.resolve import Ambiguous, Unresolved

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:partnergraph:problem:"
MAX_ERRORS = 200
RETRY_AFTER_S = 2  # a supervised database is back within seconds


class FieldProblem(BaseModel):
    """One invalid field of one record (or of the request)."""

    record: str
    field: str
    reason: str


class Suggestion(BaseModel):
    """An entity a key or name may have meant."""

    key: str
    kind: str
    name: str
    name_fi: str | None = None
    name_sv: str | None = None
    name_en: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong with this request.")
    instance: str | None = Field(default=None, description="The path of the request.")
    errors: list[FieldProblem] | None = Field(default=None, description="Invalid fields, for validation problems.")
    suggestions: list[Suggestion] | None = Field(
        default=None, description="For a key or name no entity has (404) or several have (409): what it may mean."
    )


class ProblemParts(TypedDict, total=False):
    """What a problem may say beyond its status and detail."""

    slug: str | None
    title: str | None
    errors: Iterable[RecordError]
    headers: dict[str, str] | None
    suggestions: Iterable[EntityRef]


class ProblemError(Exception):
    """Raised by routes and dependencies for any 4xx answer."""

    def __init__(self, status: int, detail: str | None = None, **parts: Unpack[ProblemParts]):
        super().__init__(detail or "")
        self.status = status
        self.detail = detail
        self.parts = parts


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(
    status: int, *, detail: str | None = None, instance: str | None = None, **parts: Unpack[ProblemParts]
) -> dict[str, Any]:
    """The problem+json body (`headers`, if given, belong to the response, not here)."""
    slug, errors, suggestions = parts.get("slug"), parts.get("errors", ()), parts.get("suggestions", ())
    body = Problem(
        type=TYPE_PREFIX + slug if slug else "about:blank",
        title=parts.get("title") or _title(status),
        status=status,
        detail=detail,
        instance=instance,
        errors=[FieldProblem(record=e.record, field=e.field, reason=e.reason) for e in list(errors)[:MAX_ERRORS]]
        or None,
        suggestions=[
            Suggestion(key=s.key, kind=s.kind, name=s.name, name_fi=s.name_fi, name_sv=s.name_sv, name_en=s.name_en)
            for s in suggestions
        ]
        or None,
    )
    return body.model_dump(exclude_none=True)


def problem_response(
    request: Request | None, status: int, *, detail: str | None = None, **parts: Unpack[ProblemParts]
) -> JSONResponse:
    instance = request.url.path if request is not None else None
    body = problem_body(status, detail=detail, instance=instance, **parts)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=parts.get("headers"))


def _location(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc) or "(request)"


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        reason = str(err.get("msg", "invalid"))
        if err.get("type") == "missing":
            reason = "required"
        elif err.get("type") == "extra_forbidden":
            reason = "not an accepted field"
        elif err.get("type") == "json_invalid":
            reason = "the body is not valid JSON"
        elif err.get("type") == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == KEY_PATTERN:
            reason = key_problem(str(err.get("input", "")))  # the slug rule of the loaders, with a suggestion
        errors.append(RecordError("request", _location(err.get("loc", ())), reason[:300]))
    return problem_response(
        request, 422, detail="The request is not valid.", slug="invalid-request", title="Invalid request", errors=errors
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(getattr(exc, "headers", None) or {})
    finder = getattr(request.app.state, "allowed_methods", None)
    if exc.status_code == 405 and finder is not None:  # every route at this path, not the first one's
        headers["Allow"] = ", ".join(finder(request.url.path))
    return problem_response(request, exc.status_code, detail=detail, headers=headers or None)


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc.status, detail=exc.detail, **exc.parts)


async def _validation_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationFailed)
    return problem_response(
        request,
        422,
        detail=f"{len(exc.errors)} invalid record(s).",
        slug="validation-failed",
        title="Validation failed",
        errors=exc.errors,
    )


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 404, detail=str(exc)[:300], slug="not-found")


async def _unresolved(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unresolved)
    return problem_response(request, 404, detail=str(exc)[:300], slug="not-found", suggestions=exc.suggestions)


async def _ambiguous(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Ambiguous)
    return problem_response(
        request, 409, detail=str(exc)[:300], slug="ambiguous-name", title="Ambiguous name", suggestions=exc.suggestions
    )


async def _already_exists(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 409, detail=str(exc)[:300], slug="already-exists")


async def _question_error(request: Request, exc: Exception) -> JSONResponse:
    # The questions' messages name the parameter and the allowed range, never internals.
    return problem_response(request, 422, detail=str(exc)[:300], slug="invalid-request", title="Invalid request")


async def _readonly_refused(request: Request, exc: Exception) -> JSONResponse:
    # The guard's messages name the refused keyword or procedure, never the query itself.
    return problem_response(request, 400, detail=str(exc)[:300], slug="query-refused", title="Query refused")


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("graph database unavailable: %s", exc)
    # In doubt: the write may have been saved; a retry with the same Idempotency-Key tells.
    detail = (
        "The graph database went away while saving; retry with the same Idempotency-Key to learn the outcome."
        if isinstance(exc, StoreInDoubt)
        else "The graph database is not available; try again shortly."
    )
    return problem_response(
        request, 503, detail=detail, slug="store-unavailable", headers={"Retry-After": str(RETRY_AFTER_S)}
    )


async def _precondition_failed(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 412, detail=str(exc)[:300], slug="precondition-failed", title="Changed since read")


async def _query_timeout(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 504, detail=str(exc)[:300], slug="query-timeout", title="Query timed out")


async def _write_conflict(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request, 409, detail="The write collided with another one; try again.", slug="write-conflict"
    )


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("graph database error on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(request, 500, detail="The graph database could not answer this request.")


def install(app: FastAPI) -> None:
    """Register every handler; order of classes does not matter (the most specific one wins)."""
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(ValidationFailed, _validation_failed)
    app.add_exception_handler(ReadOnlyRefused, _readonly_refused)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Unresolved, _unresolved)
    app.add_exception_handler(Ambiguous, _ambiguous)
    app.add_exception_handler(AlreadyExists, _already_exists)
    app.add_exception_handler(QuestionError, _question_error)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(WriteConflict, _write_conflict)
    app.add_exception_handler(QueryTimeout, _query_timeout)
    app.add_exception_handler(PreconditionFailed, _precondition_failed)
    app.add_exception_handler(StoreError, _store_error)


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    path: str | None,
    *,
    headers: dict[str, str] | None = None,
    slug: str | None = None,
    title: str | None = None,
) -> None:
    """A problem answered straight from ASGI middleware, before any route runs."""
    problem = problem_body(status, detail=detail, instance=path, slug=slug, title=title)
    body = json.dumps(jsonable_encoder(problem)).encode()
    raw = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class CatchAllMiddleware(HttpMiddleware):
    """Anything no handler claimed becomes a generic 500 problem; the traceback goes to the log only."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started: list[Message] = []
        try:
            await self.app(scope, receive, on_response_start(send, started.append))
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await send_problem(send, 500, "An unexpected error occurred.", scope.get("path"))


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse request bodies over `limit` bytes with 413, whether announced or streamed."""

    def __init__(self, app: ASGIApp, limit: int):
        super().__init__(app)
        self.limit = limit

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_big = f"The request body is larger than {self.limit} bytes."
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    await send_problem(send, 400, "Invalid Content-Length header.", scope.get("path"))
                    return
                if announced > self.limit:
                    await send_problem(send, 413, too_big, scope.get("path"))
                    return
        # Read the whole body (at most `limit` bytes) before the app sees it, then replay it.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await send_problem(send, 413, too_big, scope.get("path"))
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replay_receive() -> Message:
            try:
                return next(replay)
            except StopIteration:
                return await receive()

        await self.app(scope, replay_receive, send)
