"""`GET /briefings/{key}`: one print-ready page on an entity, as HTML or PDF, in fi, sv or en.

HTTP only: the briefing is `questions.briefing`, its page `viz.briefing`, shared with the CLI's
`partnergraph brief`. Contact fields are in it only for the contacts role and above (each such
read is audited, as on /contacts). PDF with `?format=pdf` or `Accept: application/pdf`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import AuditDep, Reader, SettingsDep, StoreDep
from api.language import LangQuery, request_language
from api.problems import ProblemError
from questions.briefing import briefing
from questions.registry import IsoDate
from viz.briefing import PDF_MEDIA_TYPE, PdfUnavailable, render_html, render_pdf

router = APIRouter(tags=["briefings"])


@router.get(
    "/briefings/{key}",
    summary="A one-page briefing on an entity: who it is, how the home city is connected, contacts, findings",
    response_class=HTMLResponse,
    responses={200: {"content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_briefing(
    request: Request,
    key: Annotated[
        str, Path(min_length=1, max_length=200, description="The entity's key, name or alias (fi, sv, en).")
    ],
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    who: Reader,
    lang: LangQuery = None,
    fmt: Annotated[
        Literal["html", "pdf"] | None,
        Query(alias="format", description="html (default) or pdf; `Accept: application/pdf` asks for pdf too."),
    ] = None,
    as_of: Annotated[IsoDate | None, Query(description="Only relations valid on this day (YYYY-MM-DD).")] = None,
) -> Response:
    """Email and phone only for the contacts role and above; each such read is audited."""
    language = request_language(request, lang)
    wants_pdf = fmt == "pdf" or (fmt is None and PDF_MEDIA_TYPE in request.headers.get("accept", ""))
    brief = briefing(store, key, home=settings.explorer_home, include_personal=who.sees_contacts, as_of=as_of)
    shown = sorted({c.person.key for c in brief.contacts if c.email is not None or c.phone is not None})
    audit.contacts_read(who.name, who.role.name, brief.key, shown)
    page = render_html(brief, language)
    headers = {"Content-Language": language, "Vary": "Accept, Accept-Language, Cookie"}
    if not wants_pdf:
        return HTMLResponse(page.html, headers={**headers, "Content-Security-Policy": page.csp})
    try:
        pdf = render_pdf(page.html)
    except PdfUnavailable as exc:
        raise ProblemError(503, str(exc), slug="pdf-unavailable", headers={"Retry-After": "3600"}) from exc
    return Response(
        pdf,
        media_type=PDF_MEDIA_TYPE,
        headers={**headers, "Content-Disposition": f'inline; filename="briefing-{brief.key}-{language}.pdf"'},
    )
