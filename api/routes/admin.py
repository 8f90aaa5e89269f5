"""Admin: the read-only Cypher console and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, field_validator

from api.audit import STALE_PENDING_S, AuditEntry
from api.deps import Admin, AuditDep, ConsoleDep, PageDep, SettingsDep, StoreDep
from graph.readonly import MAX_QUERY_LENGTH, check_readonly

router = APIRouter(tags=["admin"])
MAX_PARAM_DEPTH = 8


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_PARAM_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


class CypherRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY_LENGTH)] = Field(
        description="One read-only Cypher statement; values as $parameters."
    )
    params: Annotated[dict[Annotated[str, StringConstraints(max_length=100)], JsonValue], Field(max_length=50)] = Field(
        default_factory=dict
    )
    max_rows: int | None = Field(default=None, ge=1, le=100_000, description="At most the server's row cap.")

    @field_validator("params")
    @classmethod
    def _shallow(cls, value: dict[str, Any]) -> dict[str, Any]:
        if _depth(value) > MAX_PARAM_DEPTH:
            raise ValueError(f"parameters may nest at most {MAX_PARAM_DEPTH} levels")
        return value


class CypherResult(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    row_count: int
    truncated: bool = Field(description="True when the row cap cut the result.")


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
    limit: int
    offset: int


@router.post(
    "/cypher",
    summary="Run one read-only Cypher query (row cap, time limit)",
    response_model=CypherResult,
    responses={
        400: {"description": "The query is not one read-only statement the console runs (query-refused)"},
        504: {"description": "The query ran past the console's time limit and was stopped by the database"},
    },
)
def cypher(
    body: CypherRequest, console: ConsoleDep, settings: SettingsDep, audit: AuditDep, who: Admin
) -> CypherResult:
    check_readonly(body.query)
    cap = min(body.max_rows or settings.cypher_max_rows, settings.cypher_max_rows)
    result = console.run_readonly(body.query, body.params, timeout_s=settings.cypher_timeout_s, max_rows=cap)
    # Raw queries can reach contact cards, so each run is audited (a digest, never the query's values).
    audit.record(
        AuditEntry(
            at=dt.datetime.now(dt.UTC),
            actor=who.name,
            role=who.role.name,
            action="cypher.run",
            target="sha256:" + hashlib.sha256(body.query.encode()).hexdigest()[:16],
            summary={"rows": {"returned": len(result.rows), "truncated": int(result.truncated)}},
        )
    )
    return CypherResult(
        columns=result.columns, rows=result.rows, row_count=len(result.rows), truncated=result.truncated
    )


@router.get("/audit", summary="The audit log, newest first", response_model=AuditPage)
def audit_log(
    audit: AuditDep,
    store: StoreDep,
    page: PageDep,
    _: Admin,
    action: Annotated[str | None, Query(max_length=64, description="e.g. contacts.read, entity.update")] = None,
    actor: Annotated[str | None, Query(max_length=100, description="A key's name.")] = None,
    target: Annotated[str | None, Query(max_length=2_000, description="An entity or relation key.")] = None,
) -> AuditPage:
    audit.reconcile(store, older_than_s=STALE_PENDING_S)
    entries = list(audit.entries(action=action, actor=actor, target=target))
    return AuditPage(
        items=entries[page.offset : page.offset + page.limit], total=len(entries), limit=page.limit, offset=page.offset
    )
