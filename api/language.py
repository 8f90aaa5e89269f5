"""Which language a page speaks: `?lang=`, else the remembered choice (the `pg_lang` cookie the
explorer's switch sets), else the browser's `Accept-Language`, else English (`i18n.choose`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from i18n import COOKIE, choose

LangQuery = Annotated[
    Literal["fi", "sv", "en"] | None,
    Query(description="fi, sv or en; default: the remembered choice, else Accept-Language, else en."),
]


def request_language(request: Request, lang: str | None = None) -> str:
    return choose(lang, request.cookies.get(COOKIE), accept_language=request.headers.get("accept-language"))


async def language_of(request: Request, lang: LangQuery = None) -> str:
    """The dependency: a route that speaks takes `language: Language`."""
    return request_language(request, lang)


Language = Annotated[str, Depends(language_of)]
