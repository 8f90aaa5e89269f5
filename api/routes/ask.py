"""The questions over HTTP, one GET route each, built from the catalogue (`questions/registry.py`).

A route takes the question's parameter model as its query (path fields from the URL), pages the
answer's list where the entry says so (`limit` <= the entry's cap, `offset`), answers JSON or the
whole answer as an .xlsx workbook, and shows personal contact fields only to the contacts role and
above, each such read audited. A JSON answer asked again before the data changed is served as it
was built (questions/answer_cache.py). Nothing here knows any one question.
"""

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import AnswersDep, AuditDep, Reader, StoreDep
from api.params import model_from, model_parameters, parameter
from graph.coalesce import asked_now
from graph.schema import load_schema
from graph.store import GraphStore
from questions.answer_cache import AnswerCache
from questions.projection import pinned, view
from questions.registry import QUESTIONS, Paging, Question
from viz.xlsx import MEDIA_TYPE as XLSX
from viz.xlsx import answer_workbook

Format = Annotated[
    Literal["json", "xlsx"],
    Query(alias="format", description="`xlsx`: the whole answer (not a page of it) as an Excel workbook."),
]
JSON = "application/json"
# How the xlsx answers appear in OpenAPI, beside the JSON of response_model.
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}


def workbook_response(answer: BaseModel, name: str, *, include_personal: bool = False) -> Response:
    """An answer as an .xlsx download; personal fields only when the caller's role may see them."""
    content = answer_workbook(answer, load_schema(), include_personal=include_personal)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _page_parameters(paging: Paging) -> list[inspect.Parameter]:
    limit = Query(ge=1, le=paging.max_limit, description=f"At most {paging.max_limit} items.")
    offset = Query(ge=0, le=paging.max_offset, description="Items to skip.")
    return [
        parameter("limit", Annotated[int, limit], paging.default_limit),
        parameter("offset", Annotated[int, offset], 0),
    ]


def _parameters(question: Question[Any, Any]) -> list[inspect.Parameter]:
    """The endpoint's parameters: the question's model, the caller, paging, the format."""
    parameters = [
        *model_parameters(question.params, question.route),
        parameter("store", StoreDep),
        parameter("who", Reader),
        parameter("audit", AuditDep),
        parameter("answers", AnswersDep),
    ]
    if question.paged is not None:
        parameters += _page_parameters(question.paged)
    if question.xlsx:
        parameters.append(parameter("fmt", Format, "json"))
    return parameters


def _file_name(question: Question[Any, Any], answer: BaseModel) -> str:
    """`partners.xlsx`; `entity-c40.xlsx` for an answer about one entity."""
    key = getattr(answer, "key", None)
    return f"{question.name}-{key}" if isinstance(key, str) else question.name


@dataclass(frozen=True)
class JsonAnswer:
    """An answer's JSON as served, with its ETag and what its serving audits (kept as a whole)."""

    body: bytes
    etag: str | None = None
    shown: tuple[str, list[str]] | None = None  # (asked about, people whose email or phone it shows)


def _json_answer(
    question: Question[Any, Any], store: GraphStore, params: BaseModel, page: tuple[int, int] | None, personal: bool
) -> JsonAnswer:
    if question.audit is not None:
        result = (
            question.ask_page(store, params, *page, include_personal=personal)
            if page is not None
            else question.ask(store, params, include_personal=personal)
        )
        return JsonAnswer(result.model_dump_json(by_alias=True).encode(), shown=question.audit(result))
    if page is not None:  # a page: JSON at once
        return JsonAnswer(question.ask_page_json(store, params, *page, include_personal=personal))
    if question.etag is None:  # the answer as it is: JSON at once
        return JsonAnswer(question.ask_json(store, params, include_personal=personal))
    # The ETag (what If-Match on PATCH/DELETE names) is the version of what the answer shows, read
    # in the same statement: a change based on this answer never overwrites a newer one.
    tagged = question.ask(store, params, include_personal=personal)
    return JsonAnswer(tagged.model_dump_json(by_alias=True).encode(), etag=question.etag(tagged))


def _endpoint(question: Question[Any, Any]) -> tuple[Callable[..., Any], type[BaseModel]]:
    parameters = _parameters(question)
    paged = question.page_model() if question.paged is not None else question.answer

    async def endpoint(**values: Any) -> Any:
        with asked_now():  # counter reads need only have begun after the request arrived
            if question.from_projection and values.get("fmt", "json") == "json":
                at = await run_in_threadpool(view, values["store"])  # the read and any rebuild: off the loop
                with pinned(at):
                    return answer(at.version, **values)  # arrays and plain data on the loop: no thread hop
            return await run_in_threadpool(answer, None, **values)

    def answer(version: tuple[int, str] | None, **values: Any) -> Any:
        params = model_from(question.params, question.route, values)
        store, who, fmt = values["store"], values["who"], values.get("fmt", "json")
        personal = question.personal and who.sees_contacts
        if fmt == "xlsx":
            result = question.ask(store, params, include_personal=personal)
            if question.audit is not None:
                values["audit"].contacts_read(who.name, who.role.name, *question.audit(result))
            return workbook_response(result, _file_name(question, result), include_personal=personal)
        page = (values["limit"], values["offset"]) if question.paged is not None else None
        answers: AnswerCache = values["answers"]
        if question.from_schema is None:  # an answer from the schema alone reads no database: nothing to keep
            key = (question.name, params.model_dump_json(), page, personal)
            build = partial(_json_answer, question, store, params, page, personal)
            found = answers.answer(store, key, build, lambda a: len(a.body), version=version)
        else:
            found = _json_answer(question, store, params, page, personal)
        if found.shown is not None:  # every serving of personal fields is audited, kept or not
            values["audit"].contacts_read(who.name, who.role.name, *found.shown)
        headers = {"ETag": f'"{found.etag}"'} if found.etag is not None else None
        # Serialised once, where it was built: FastAPI's second validation and encoding is skipped.
        return Response(found.body, media_type=JSON, headers=headers)

    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = f"get_{question.name.replace('-', '_')}"
    endpoint.__doc__ = question.description or None
    return endpoint, paged


def build_router(questions: Iterable[Question[Any, Any]]) -> APIRouter:
    """One GET route a question."""
    built = APIRouter()
    for question in questions:
        endpoint, model = _endpoint(question)
        built.add_api_route(
            question.route,
            endpoint,
            methods=["GET"],
            tags=[question.tag],
            summary=question.summary,
            response_model=model,
            responses=XLSX_RESPONSE if question.xlsx else None,
            name=endpoint.__name__,
        )
    return built


router = build_router(QUESTIONS)
