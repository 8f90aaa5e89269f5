"""The domain model as the API serves it: node kinds, relation types, their colours and shapes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import Reader, StoreDep
from questions.catalogue import KindInfo, RelationTypeInfo, list_kinds, list_relation_types

router = APIRouter(tags=["schema"])


class SchemaOut(BaseModel):
    version: int
    kinds: list[KindInfo]
    relation_types: list[RelationTypeInfo]


@router.get(
    "/schema", summary="Node kinds, relation types, their properties, colours and shapes", response_model=SchemaOut
)
def schema(store: StoreDep, _: Reader) -> SchemaOut:
    return SchemaOut(
        version=store.schema.version, kinds=list_kinds(store.schema), relation_types=list_relation_types(store.schema)
    )
