"""Thin `Annotated` dependencies: the store, the settings, the audit log, the caller, paging.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` one in its thread pool, and
under load each such hop cost more CPU than the dependency itself (py-spy on `/partners`, 16 clients)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from api.audit import AuditLog
from api.security import require
from graph.store import GraphStore, ReadOnlyConsole, console_of
from partnergraph.access import Principal, Role
from partnergraph.settings import Settings
from questions.answer_cache import AnswerCache

MAX_LIMIT = 200
MAX_OFFSET = 100_000


async def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


async def get_console(request: Request) -> ReadOnlyConsole:
    return console_of(request.app.state.store)


async def get_answers(request: Request) -> AnswerCache:
    answers: AnswerCache = request.app.state.answers
    return answers


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT} items.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


StoreDep = Annotated[GraphStore, Depends(get_store)]
ConsoleDep = Annotated[ReadOnlyConsole, Depends(get_console)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]
AnswersDep = Annotated[AnswerCache, Depends(get_answers)]
PageDep = Annotated[Page, Depends(page)]

# The caller, admitted at a role or above. Use one of these (or `dependencies=[Depends(public())]`)
# on every route: `create_app` refuses a route that declares no access.
Reader = Annotated[Principal, Depends(require(Role.reader))]
Contacts = Annotated[Principal, Depends(require(Role.contacts))]
Editor = Annotated[Principal, Depends(require(Role.editor))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
