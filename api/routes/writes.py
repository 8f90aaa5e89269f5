"""Writes (editor): entities and relations, validated as the loaders validate, one transaction each,
every one journaled in the audit log (who, when, what changed; never personal values) before it is
acknowledged, and safe to retry with an `Idempotency-Key`: a retry gets the first outcome."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

from api.audit import AuditEntry, AuditLog
from api.deps import AuditDep, Editor, StoreDep
from api.problems import ProblemError
from graph.model import KEY_PATTERN, MAX_LIST_ITEMS, MAX_STRING, MAX_TEXT, SOURCE_RULE, URL_PATTERN, VISIBLE
from graph.schema import load_schema
from graph.store import DuplicateWrite, GraphStore, Receipt, StoreInDoubt
from loaders.editing import (
    Journal,
    Outcome,
    create_entity,
    create_relation,
    delete_entity,
    delete_relation,
    update_entity,
    update_relation,
)
from partnergraph.access import Principal

router = APIRouter(tags=["writes"])

Short = Annotated[str, StringConstraints(max_length=MAX_STRING)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
_SCHEMA = load_schema()  # for the OpenAPI enums only; the store's schema validates
KeyText = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=KEY_PATTERN)]
KindText = Annotated[str, StringConstraints(max_length=64), Field(json_schema_extra={"enum": list(_SCHEMA.node_kinds)})]
TypeText = Annotated[
    str, StringConstraints(max_length=64), Field(json_schema_extra={"enum": list(_SCHEMA.relation_types)})
]
BasisText = Annotated[str, StringConstraints(max_length=32), Field(json_schema_extra={"enum": ["stated", "inferred"]})]
RelationKeyText = Annotated[str, StringConstraints(min_length=1, max_length=2 * MAX_STRING)]
PropertyValue = Text | StrictBool | StrictInt | StrictFloat | Annotated[list[Short], Field(max_length=MAX_LIST_ITEMS)]
# What the records accept, said in the schema too: a name has a visible character, a URL is http(s).
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_STRING, pattern=VISIBLE)]
Url = Annotated[str, StringConstraints(max_length=2_000, pattern=URL_PATTERN)]
# PATCH: a field is absent (kept) or given a value; null is refused, so the schema says not nullable.
Kept: Any = Field(default=None)
KEY_PARAM = Path(min_length=1, max_length=128, pattern=KEY_PATTERN, description="An entity key.")
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="Any unique text per intended write. A retry with the same key (by the same API key) "
        "gets the first outcome and writes nothing again: safe after a timeout or a 503.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        min_length=1,
        max_length=200,
        description="The ETag the change is based on (from GET /entities/{key} or an earlier write); "
        "412 if the record changed since, so that no one's change is lost. `*`: any existing version.",
    ),
]
PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match is not the current version: read again, redo the change"}
}
REPLAY_WAIT_S = 5.0  # how long a retry waits for the same write still under way in this process
_IN_FLIGHT: set[str] = set()
_IN_FLIGHT_LOCK = threading.Lock()


class SourceIn(BaseModel):
    """A document's sentence (doc, quote; section and sentence number optional), or a manual entry:
    who entered the fact (by), when (at, YYYY-MM-DD) and how it is known (note)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["doc", "quote"], "properties": {"doc": {"type": "string"}, "quote": {"type": "string"}}},
                {
                    "required": ["by", "at", "note"],
                    "properties": {"by": {"type": "string"}, "at": {"type": "string"}, "note": {"type": "string"}},
                },
            ]
        },
    )
    doc: Name | None = None
    section: Short | None = None
    quote: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, pattern=VISIBLE)] | None = None
    sentence: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    by: Name | None = None
    at: dt.date | None = None
    note: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, pattern=VISIBLE)] | None = None

    @field_validator("sentence", mode="before")
    @classmethod
    def _whole_number(cls, value: object) -> object:
        """JSON Schema's integer takes 3.0 but not `false`, which Python's int would."""
        if isinstance(value, bool):
            raise ValueError("must be a whole number, not a boolean")
        return value

    @model_validator(mode="after")
    def _quoted_or_manual(self) -> SourceIn:
        # The same rule as graph.model.Source, here so that the request is refused as the OpenAPI says.
        if not (self.doc and self.quote) and not (self.by and self.at and self.note):
            raise ValueError(SOURCE_RULE)
        return self


class EntityCreate(BaseModel):
    """A new entity. Kind-specific properties (and the personal ones, e.g. a Person's email and
    phone) go in `properties`; see GET /schema."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"anyOf": [{"required": ["name_fi"]}, {"required": ["name_en"]}]}
    )
    key: KeyText
    kind: KindText
    name_fi: Name | None = None
    name_en: Name | None = None
    aliases: Annotated[list[Name], Field(max_length=MAX_LIST_ITEMS)] | None = None
    description_fi: Text | None = None
    description_en: Text | None = None
    url: Url | None = None
    properties: Annotated[dict[Short, PropertyValue], Field(max_length=100)] = Field(default_factory=dict)
    sources: Annotated[list[SourceIn], Field(min_length=1, max_length=MAX_LIST_ITEMS)] = Field(
        description="Where the fact comes from: at least one source (the data rules)."
    )


class EntityUpdate(BaseModel):
    """Fields to change; absent fields keep their values, sources given are added. The key and the
    kind cannot change, and properties cannot be removed (null is refused)."""

    model_config = ConfigDict(extra="forbid")
    name_fi: Name = Kept
    name_en: Name = Kept
    aliases: Annotated[list[Name], Field(max_length=MAX_LIST_ITEMS)] = Kept
    description_fi: Text = Kept
    description_en: Text = Kept
    url: Url = Kept
    properties: Annotated[dict[Short, PropertyValue], Field(max_length=100)] = Kept
    sources: Annotated[list[SourceIn], Field(max_length=MAX_LIST_ITEMS)] = Kept


class RelationCreate(BaseModel):
    """A new relation. Its key is derived (start|TYPE|end, no free text, so it stays when the role
    changes) unless given; a second relation of one type between the same two entities needs one."""

    model_config = ConfigDict(extra="forbid")
    start: KeyText
    type: TypeText
    end: KeyText
    key: RelationKeyText | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    role: Short | None = None
    basis: BasisText | None = None
    note: Text | None = None
    sources: Annotated[list[SourceIn], Field(min_length=1, max_length=MAX_LIST_ITEMS)] = Field(
        description="Where the fact comes from: at least one source (the data rules)."
    )


class RelationUpdate(BaseModel):
    """Fields to change; the endpoints, type and key stay."""

    model_config = ConfigDict(extra="forbid")
    since: dt.date = Kept
    until: dt.date = Kept
    role: Short = Kept
    basis: BasisText = Kept
    note: Text = Kept
    sources: Annotated[list[SourceIn], Field(max_length=MAX_LIST_ITEMS)] = Kept


class WriteResult(BaseModel):
    action: str = Field(description="entity.create, entity.update, … as in the audit log.")
    target: str = Field(description="The entity key or relation key written.")
    summary: dict[str, dict[str, int]] = Field(description="created/updated/unchanged/deleted counts.")
    before: dict[str, Any] | None = Field(default=None, description="Changed properties before (non-personal).")
    after: dict[str, Any] | None = Field(default=None, description="Changed properties after (non-personal).")
    personal_fields: list[str] = Field(default_factory=list, description="Names of personal fields written.")


def _expected(if_match: str | None) -> str | None:
    """The version an If-Match names (an ETag, weak or strong, or `*`)."""
    if if_match is None:
        return None
    first = if_match.split(",")[0].strip()
    first = first.removeprefix("W/")
    return first.strip('"') or None


def etag(version: str | None) -> str | None:
    return f'"{version}"' if version else None


def _set_etag(response: Response, version: str | None) -> None:
    tag = etag(version)
    if tag:
        response.headers["ETag"] = tag


def _write_id(who: Principal, idempotency_key: str | None, request: Request, payload: object) -> str:
    """One id per intended write. Scoped to the caller, the operation and the request body: a key
    reused for another request is another write, never a replay of the first one's outcome."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    body = json.dumps(payload, sort_keys=True, default=str)
    scope = "\0".join((who.name, request.method, request.url.path, body, idempotency_key))
    return "idem-" + hashlib.sha256(scope.encode()).hexdigest()[:40]


def _result(entry: AuditEntry) -> WriteResult:
    return WriteResult(
        action=entry.action,
        target=entry.target,
        summary=entry.summary or {},
        before=entry.before,
        after=entry.after,
        personal_fields=entry.personal_fields or [],
    )


def _replay(audit: AuditLog, store: GraphStore, write_id: str, wait_s: float = 0.0) -> WriteResult | None:
    """The first outcome of a write already made with this id, or None if there was none."""
    deadline = time.monotonic() + wait_s
    while True:
        with _IN_FLIGHT_LOCK:
            in_flight = write_id in _IN_FLIGHT
        if not in_flight:
            break
        if time.monotonic() >= deadline:
            raise ProblemError(
                409, "A write with this Idempotency-Key is under way; retry shortly.", slug="in-progress"
            )
        time.sleep(0.05)
    if any(e.write_id == write_id for e in audit.pending()):
        audit.reconcile(store, ids={write_id})  # an interrupted attempt: its receipt says if it was saved
    final = audit.final(write_id)
    if final is not None and final.status == "committed":
        return _result(final)
    return None  # never made, or made and failed: make it now


def _write(
    request: Request,
    store: GraphStore,
    audit: AuditLog,
    who: Principal,
    idempotency_key: str | None,
    perform: Callable[[Journal], Outcome],
    payload: object = None,
) -> tuple[WriteResult, dict[str, str]]:
    """One journaled write: a pending audit entry, the write with its receipt in the same
    transaction, the committed entry, then the answer. An interrupted commit stays pending until
    `AuditLog.reconcile` settles it from the receipt (at start-up, on GET /audit, on a retry)."""
    write_id = _write_id(who, idempotency_key, request, payload)
    if idempotency_key is not None:
        replayed = _replay(audit, store, write_id, REPLAY_WAIT_S)
        if replayed is not None:
            return replayed, {}
    journaled: list[AuditEntry] = []

    def journal(action: str, target: str) -> Receipt:
        entry = AuditEntry(
            at=dt.datetime.now(dt.UTC),
            actor=who.name,
            role=who.role.name,
            action=action,
            target=target,
            write_id=write_id,
            status="pending",
        )
        audit.record(entry)
        journaled.append(entry)
        return Receipt(write_id, entry.at.isoformat())

    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT.add(write_id)
    try:
        outcome = perform(journal)
    except DuplicateWrite:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.discard(write_id)
        replayed = _replay(audit, store, write_id, REPLAY_WAIT_S)
        if replayed is None:
            raise ProblemError(
                409, "A write with this Idempotency-Key is under way; retry shortly.", slug="in-progress"
            ) from None
        return replayed, {}
    except StoreInDoubt:
        raise  # left pending: a retry or the next reconcile learns the outcome from the receipt
    except Exception:
        if journaled:  # refused or failed before the commit: nothing was written
            audit.record(journaled[0].model_copy(update={"at": dt.datetime.now(dt.UTC), "status": "failed"}))
        raise
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.discard(write_id)
    for hook in getattr(request.app.state, "after_write", []):
        hook(store)
    entry = AuditEntry(
        at=dt.datetime.now(dt.UTC),
        actor=who.name,
        role=who.role.name,
        action=outcome.action,
        target=outcome.target,
        before=outcome.before,
        after=outcome.after,
        personal_fields=outcome.personal_fields or None,
        summary=outcome.summary.as_dict(),
        write_id=write_id,
        status="committed",
    )
    audit.record(entry)
    return _result(entry), outcome.summary.versions


@dataclass(frozen=True)
class Writer:
    """What every write route needs (the request, the store, the audit log, the editor, the
    Idempotency-Key), as one dependency; `write()` runs one journaled write (`_write`)."""

    request: Request
    store: GraphStore
    audit: AuditLog
    who: Principal
    idempotency_key: str | None

    def write(
        self, perform: Callable[[Journal], Outcome], payload: object = None
    ) -> tuple[WriteResult, dict[str, str]]:
        return _write(self.request, self.store, self.audit, self.who, self.idempotency_key, perform, payload)


async def _writer(
    request: Request, store: StoreDep, audit: AuditDep, who: Editor, idempotency_key: IdempotencyKey = None
) -> Writer:
    return Writer(request, store, audit, who, idempotency_key)


WriterDep = Annotated[Writer, Depends(_writer)]


def _patch(model: BaseModel) -> dict[str, Any]:
    """The fields the client sent (explicit nulls included, so they can be refused)."""
    data = model.model_dump(exclude_unset=True, mode="json")
    if "sources" in data and data["sources"] is not None:
        data["sources"] = [{k: v for k, v in s.items() if v is not None} for s in data["sources"]]
    return data


@router.post(
    "/entities",
    summary="Create an entity",
    status_code=201,
    response_model=WriteResult,
    responses={409: {"description": "An entity with this key exists"}},
)
def post_entity(
    body: EntityCreate,
    response: Response,
    writer: WriterDep,
) -> WriteResult:
    raw = body.model_dump(exclude_none=True, mode="json")
    raw["sources"] = [{k: v for k, v in s.items() if v is not None} for s in raw.get("sources", [])]
    result, versions = writer.write(lambda j: create_entity(writer.store, raw, j), raw)
    _set_etag(response, versions.get(body.key))
    return result


@router.patch(
    "/entities/{key}",
    summary="Change an entity's fields",
    response_model=WriteResult,
    responses={409: {"description": "A concurrent write"}, **PRECONDITION},
)
def patch_entity(
    *,
    key: Annotated[str, KEY_PARAM],
    body: EntityUpdate,
    response: Response,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> WriteResult:
    patch, expect = _patch(body), _expected(if_match)
    result, versions = writer.write(lambda j: update_entity(writer.store, key, patch, j, expect), patch)
    _set_etag(response, versions.get(key))
    return result


@router.delete(
    "/entities/{key}",
    summary="Delete an entity with its relations",
    response_model=WriteResult,
    responses=PRECONDITION,
)
def remove_entity(
    key: Annotated[str, KEY_PARAM],
    writer: WriterDep,
    if_match: IfMatch = None,
) -> WriteResult:
    expect = _expected(if_match)
    return writer.write(lambda j: delete_entity(writer.store, key, j, expect))[0]


@router.post(
    "/relations",
    summary="Create a relation",
    status_code=201,
    response_model=WriteResult,
    responses={409: {"description": "This relation exists"}},
)
def post_relation(
    body: RelationCreate,
    response: Response,
    writer: WriterDep,
) -> WriteResult:
    raw = _patch(body)
    result, versions = writer.write(lambda j: create_relation(writer.store, raw, j), raw)
    _set_etag(response, versions.get(result.target))
    return result


RelationKey = Annotated[str, Path(min_length=1, max_length=2 * MAX_STRING, description="The relation's key.")]


@router.patch(
    "/relations/{start}/{end}/{key:path}",
    summary="Change a relation's fields",
    response_model=WriteResult,
    responses={409: {"description": "A concurrent write"}, **PRECONDITION},
)
def patch_relation(
    *,
    start: Annotated[str, KEY_PARAM],
    end: Annotated[str, KEY_PARAM],
    key: RelationKey,
    body: RelationUpdate,
    response: Response,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> WriteResult:
    patch, expect = _patch(body), _expected(if_match)
    result, versions = writer.write(lambda j: update_relation(writer.store, start, end, key, patch, j, expect), patch)
    _set_etag(response, versions.get(key))
    return result


@router.delete(
    "/relations/{start}/{end}/{key:path}",
    summary="Delete a relation",
    response_model=WriteResult,
    responses=PRECONDITION,
)
def remove_relation(
    *,
    start: Annotated[str, KEY_PARAM],
    end: Annotated[str, KEY_PARAM],
    key: RelationKey,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> WriteResult:
    expect = _expected(if_match)
    return writer.write(lambda j: delete_relation(writer.store, start, end, key, j, expect))[0]
