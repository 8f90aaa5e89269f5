"""Liveness and graph statistics."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.deps import Reader, StoreDep
from api.security import public

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Stats(BaseModel):
    nodes: dict[str, int]
    relations: dict[str, int]
    total_nodes: int
    total_relations: int


@router.get(
    "/health",
    summary="Whether the API process answers (liveness; never asks the database)",
    response_model=Health,
    dependencies=[Depends(public())],
)
def health() -> Health:
    # Liveness only: no database call (an outage must not hang it) and no backend or version to tell.
    return Health(status="ok")


class Ready(BaseModel):
    status: str


@router.get(
    "/ready",
    summary="Whether the API can answer: its database does (503 with Retry-After when not)",
    response_model=Ready,
    responses={503: {"description": "The database is not reachable"}},
    dependencies=[Depends(public())],
)
def ready(store: StoreDep) -> Ready:
    store.read("ping")
    return Ready(status="ready")


@router.get("/stats", summary="How many nodes and relations of each kind the graph holds", response_model=Stats)
def stats(store: StoreDep, _: Reader) -> Stats:
    counts = store.counts()
    return Stats(
        nodes=counts.nodes,
        relations=counts.relations,
        total_nodes=counts.total_nodes,
        total_relations=counts.total_relations,
    )
