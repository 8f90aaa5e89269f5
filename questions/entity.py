"""An entity: its properties, its relations grouped by type, and where each fact comes from.

Contact fields are never read here: they live on ContactCard nodes, which this question's one
statement never touches (only questions.contacts reads them, and only when allowed).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from graph.model import Source
from graph.store import GraphStore, NotFound, native, version_of
from questions.common import EntityRef, holds, row_ref, sources
from questions.resolve import Resolution, resolve

OTHER_FIELDS = ("key", "kind", "name_fi", "name_en", "name_sv")  # q_entity's columns for a relation's other end
# Stored helper properties that are not facts about the entity.
HIDDEN = frozenset({"search_text", "sources", "key", "kind", "name_fi", "name_en", "name_sv", "aliases"})


class Relation(BaseModel):
    type: str
    direction: str  # "out" (this entity is the start) or "in"
    other: EntityRef
    role: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    basis: str = "stated"
    note: str | None = None
    sources: list[Source] = []


class Entity(EntityRef):
    aliases: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)
    sources: list[Source] = Field(default_factory=list)
    relations: dict[str, list[Relation]] = Field(default_factory=dict)
    resolved: Resolution | None = None  # how the key, name or alias asked for was read
    _version: str | None = PrivateAttr(default=None)  # of the properties shown: the answer's ETag

    @property
    def version(self) -> str | None:
        return self._version


def entity(store: GraphStore, key: str, *, as_of: dt.date | None = None) -> Entity:
    """`key`: a key, a name or an alias (questions.resolve). The answer's `version` (its ETag) is
    that of the properties it shows, read with them."""
    stored: dict[str, dict[str, Any]] = {}
    related: dict[str, list[list[Any]]] = {}

    def read(keys: list[str]) -> dict[str, EntityRef]:
        """The entities among `keys`, their properties and relations kept: a key resolves and
        reads in one statement."""
        # Plain values: a hub's hundreds of relations are not converted (only their dates are, below).
        for props, relations in store.read_values("q_entity", {"keys": keys}):
            stored[props["key"]] = native(props)
            related[props["key"]] = relations
        return {k: row_ref(props) for k, props in stored.items() if k in keys}

    resolution = resolve(store, key, refs=read)
    key = resolution.entity.key
    if key not in stored:  # resolved by name: read it now
        read([key])
    props = stored.get(key)
    if props is None:
        raise NotFound(f"no entity with key {key!r}")
    relations: dict[str, list[Relation]] = {}
    for rel_type, start, *other, rel in related[key]:
        if not holds(rel, as_of):
            continue
        relations.setdefault(rel_type, []).append(
            Relation(
                type=rel_type,
                direction="out" if start == key else "in",
                other=EntityRef(**dict(zip(OTHER_FIELDS, other, strict=True))),
                role=rel.get("role"),
                since=_day(rel.get("since")),
                until=_day(rel.get("until")),
                basis=rel.get("basis", "stated"),
                note=rel.get("note"),
                sources=sources(rel.get("sources")),
            )
        )
    answer = Entity(
        key=key,
        kind=props["kind"],
        name_fi=props.get("name_fi"),
        name_en=props.get("name_en"),
        name_sv=props.get("name_sv"),
        aliases=props.get("aliases") or [],
        properties={k: v for k, v in sorted(props.items()) if k not in HIDDEN},
        sources=sources(props.get("sources")),
        # Sorted here (not in Cypher): the same order from every server, ties included.
        relations={name: _in_order(group) for name, group in sorted(relations.items())},
        resolved=resolution,
    )
    answer._version = version_of(props)
    return answer


def _in_order(group: list[Relation]) -> list[Relation]:
    """By the other end, then every field that can tell two relations to it apart, the sources
    last (as their repr); that repr, half of a hub's answer (22.7 -> 11.3 ms for Helsinki's,
    in-process, outside `make bench`), is made only for relations equal in every other field."""
    ordered = sorted(group, key=_relation_order)
    out: list[Relation] = []
    for _, same in itertools.groupby(ordered, key=_relation_order):
        tied = list(same)
        out += sorted(tied, key=lambda r: repr(r.sources)) if len(tied) > 1 else tied
    return out


def _relation_order(r: Relation) -> tuple[str, str, str, dt.date, dt.date, str, str]:
    return (r.other.key, r.direction, r.role or "", r.since or dt.date.min, r.until or dt.date.max, r.basis,
            r.note or "")  # fmt: skip


def _day(value: Any) -> Any:
    """A date as the driver hands it over (read_values converts nothing), as datetime.date."""
    return value.to_native() if hasattr(value, "to_native") else value
