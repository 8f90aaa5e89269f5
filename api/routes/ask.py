"""The questions over HTTP, one GET route each, built from the catalogue (`questions/registry.py`).

A route takes the question's parameter model as its query (path fields from the URL), pages the
answer's list where the entry says so (`limit` <= the entry's cap, `offset`), answers JSON or the
whole answer as an .xlsx workbook, and shows personal contact fields only to the contacts role and
above, each such read audited. Nothing here knows any one question.
"""

import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import AuditDep, Reader, StoreDep
from api.params import model_from, model_parameters, parameter
from graph.coalesce import asked_now
from graph.schema import load_schema
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


def _endpoint(question: Question[Any, Any]) -> tuple[Callable[..., Any], type[BaseModel]]:
    parameters = _parameters(question)
    paged = question.page_model() if question.paged is not None else question.answer

    async def endpoint(**values: Any) -> Any:
        if question.from_projection and values.get("fmt", "json") == "json":
            with asked_now():  # counter reads need only have begun after the request arrived
                at = await run_in_threadpool(view, values["store"])  # the read and any rebuild: off the loop
                with pinned(at):
                    return answer(**values)  # arrays and plain data on the loop: no thread hop
        return await run_in_threadpool(answer, **values)

    def answer(**values: Any) -> Any:
        params = model_from(question.params, question.route, values)
        store, who, fmt = values["store"], values["who"], values.get("fmt", "json")
        personal = question.personal and who.sees_contacts
        if fmt == "json" and question.etag is not None and question.paged is None and question.audit is None:
            # The ETag (what If-Match on PATCH/DELETE names) is the version of what the answer shows,
            # read in the same statement: a change based on this answer never overwrites a newer one.
            tagged = question.ask(store, params, include_personal=personal)
            version = question.etag(tagged)
            headers = {"ETag": f'"{version}"'} if version is not None else None
            return Response(tagged.model_dump_json(by_alias=True), media_type=JSON, headers=headers)
        if fmt == "json" and question.paged is None and question.audit is None:  # the answer as it is: JSON at once
            return Response(question.ask_json(store, params, include_personal=personal), media_type=JSON)
        if fmt == "json" and question.paged is not None and question.audit is None:  # a page: JSON at once
            page = question.ask_page_json(store, params, values["limit"], values["offset"], include_personal=personal)
            return Response(page, media_type=JSON)
        if question.paged is not None and fmt == "json":
            result = question.ask_page(store, params, values["limit"], values["offset"], include_personal=personal)
        else:
            result = question.ask(store, params, include_personal=personal)
        if question.audit is not None:
            subject, shown = question.audit(result)
            values["audit"].contacts_read(who.name, who.role.name, subject, shown)
        if fmt == "xlsx":
            return workbook_response(result, _file_name(question, result), include_personal=personal)
        # Serialised here, once: the answer is already a validated model of the declared type, so
        # FastAPI's second validation and encoding of it (a third of a large answer's time) is skipped.
        return Response(result.model_dump_json(by_alias=True), media_type=JSON)

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
