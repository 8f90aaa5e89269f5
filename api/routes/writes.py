"""Writes (editor): entities and relations, validated as the loaders validate, one transaction each,
every one recorded in the audit log (who, when, what changed; never personal values)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StringConstraints

from api.audit import AuditEntry
from api.deps import AuditDep, Editor, StoreDep
from api.editing import (
    Outcome,
    create_entity,
    create_relation,
    delete_entity,
    delete_relation,
    update_entity,
    update_relation,
)
from api.security import Principal
from graph.model import KEY_PATTERN, MAX_LIST_ITEMS, MAX_STRING, MAX_TEXT
from graph.schema import load_schema
from graph.store import GraphStore

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
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_STRING, pattern=r"\S")]
Url = Annotated[str, StringConstraints(max_length=2_000, pattern=r"^https?://[^\s<>\"']+$")]
# PATCH: a field is absent (kept) or given a value; null is refused, so the schema says not nullable.
Kept: Any = Field(default=None)
KEY_PARAM = Path(min_length=1, max_length=128, pattern=KEY_PATTERN, description="An entity key.")


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc: Name
    section: Short | None = None
    quote: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, pattern=r"\S")]
    sentence: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


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
    sources: Annotated[list[SourceIn], Field(max_length=MAX_LIST_ITEMS)] = Field(default_factory=list)


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
    """A new relation. Its key is derived (start|TYPE|end[|role]) unless given."""

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
    sources: Annotated[list[SourceIn], Field(max_length=MAX_LIST_ITEMS)] = Field(default_factory=list)


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


def _done(request: Request, store: GraphStore, audit: AuditDep, who: Principal, outcome: Outcome) -> WriteResult:
    """After a successful write: refresh what caches the graph, audit it, answer."""
    for hook in getattr(request.app.state, "after_write", []):
        hook(store)
    audit.record(
        AuditEntry(
            at=dt.datetime.now(dt.UTC),
            actor=who.name,
            role=who.role.name,
            action=outcome.action,
            target=outcome.target,
            before=outcome.before,
            after=outcome.after,
            personal_fields=outcome.personal_fields or None,
            summary=outcome.summary.as_dict(),
        )
    )
    return WriteResult(
        action=outcome.action,
        target=outcome.target,
        summary=outcome.summary.as_dict(),
        before=outcome.before,
        after=outcome.after,
        personal_fields=outcome.personal_fields,
    )


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
def post_entity(body: EntityCreate, request: Request, store: StoreDep, audit: AuditDep, who: Editor) -> WriteResult:
    raw = body.model_dump(exclude_none=True, mode="json")
    raw["sources"] = [{k: v for k, v in s.items() if v is not None} for s in raw.get("sources", [])]
    return _done(request, store, audit, who, create_entity(store, raw))


@router.patch(
    "/entities/{key}",
    summary="Change an entity's fields",
    response_model=WriteResult,
    responses={409: {"description": "A concurrent write"}},
)
def patch_entity(
    *,
    key: Annotated[str, KEY_PARAM],
    body: EntityUpdate,
    request: Request,
    store: StoreDep,
    audit: AuditDep,
    who: Editor,
) -> WriteResult:
    return _done(request, store, audit, who, update_entity(store, key, _patch(body)))


@router.delete("/entities/{key}", summary="Delete an entity with its relations", response_model=WriteResult)
def remove_entity(
    key: Annotated[str, KEY_PARAM], request: Request, store: StoreDep, audit: AuditDep, who: Editor
) -> WriteResult:
    return _done(request, store, audit, who, delete_entity(store, key))


@router.post(
    "/relations",
    summary="Create a relation",
    status_code=201,
    response_model=WriteResult,
    responses={409: {"description": "This relation exists"}},
)
def post_relation(body: RelationCreate, request: Request, store: StoreDep, audit: AuditDep, who: Editor) -> WriteResult:
    return _done(request, store, audit, who, create_relation(store, _patch(body)))


@router.patch(
    "/relations/{start}/{end}/{key:path}",
    summary="Change a relation's fields",
    response_model=WriteResult,
    responses={409: {"description": "A concurrent write"}},
)
def patch_relation(
    *,
    start: Annotated[str, KEY_PARAM],
    end: Annotated[str, KEY_PARAM],
    key: Annotated[str, Path(min_length=1, max_length=2 * MAX_STRING, description="The relation's key.")],
    body: RelationUpdate,
    request: Request,
    store: StoreDep,
    audit: AuditDep,
    who: Editor,
) -> WriteResult:
    return _done(request, store, audit, who, update_relation(store, start, end, key, _patch(body)))


@router.delete("/relations/{start}/{end}/{key:path}", summary="Delete a relation", response_model=WriteResult)
def remove_relation(
    *,
    start: Annotated[str, KEY_PARAM],
    end: Annotated[str, KEY_PARAM],
    key: Annotated[str, Path(min_length=1, max_length=2 * MAX_STRING, description="The relation's key.")],
    request: Request,
    store: StoreDep,
    audit: AuditDep,
    who: Editor,
) -> WriteResult:
    return _done(request, store, audit, who, delete_relation(store, start, end, key))
