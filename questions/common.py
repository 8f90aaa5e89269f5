"""What every question shares: references to entities, provenance, dates, parameter checks, and
the errors users can act on (NotFound: 404; QuestionError: the question itself is wrong, 422)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel

from graph.model import Source, decode_sources
from graph.schema import Schema, display_name
from graph.store import relation_holds

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Raw(Generic[M]):
    """An answer as plain data, laid out as its model dumps it (fields in order, defaults included).

    Large answers (thousands of nodes and relations) are sent from this as JSON at once: a
    pydantic model per item costs about 2 µs to build, the whole answer's JSON from plain data
    a tenth of that (orjson: 7× faster than pydantic's own encoder on such plain data). `validate`
    gives the model to whoever needs it (the command line, exports, maps); tests hold `json()` to
    the model's own JSON, byte for byte."""

    model: type[M]
    data: dict[str, Any]

    def validate(self) -> M:
        if any(isinstance(value, orjson.Fragment) for value in self.data.values()):
            return self.model.model_validate_json(self.json())  # parts already encoded (questions/encoded.py)
        return self.model.model_validate(self.data)

    def json(self) -> bytes:
        return orjson.dumps(self.data, default=_dumped)


def _dumped(value: object) -> object:
    """What orjson cannot encode itself: the models inside plain data (resolutions)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"{type(value).__name__} is not JSON")


class QuestionError(ValueError):
    """A parameter the question cannot work with (an undeclared kind, a depth out of range)."""


class EntityRef(BaseModel):
    key: str
    kind: str
    name_fi: str | None = None
    name_en: str | None = None
    name_sv: str | None = None

    @property
    def name(self) -> str:
        return self.name_en or self.name_fi or self.name_sv or self.key

    def display(self, lang: str = "en") -> str:
        """The name in `lang`, falling back as `graph.schema.display_name` says."""
        return display_name(self, lang)


class RelationRef(BaseModel):
    """One stored relation as answers show it: its ends, type, key and dated facts."""

    start: str
    end: str
    type: str
    key: str | None = None
    role: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    basis: str = "stated"


def ref(key: str, data: Mapping[str, Any]) -> EntityRef:
    return EntityRef(
        key=key,
        kind=str(data.get("kind", "")),
        name_fi=data.get("name_fi"),
        name_en=data.get("name_en"),
        name_sv=data.get("name_sv"),
    )


def row_ref(row: Mapping[str, Any], prefix: str = "") -> EntityRef:
    """An EntityRef from a row's `<prefix>key`, `<prefix>kind`, `<prefix>name_fi`, `<prefix>name_en`."""
    return EntityRef(
        key=row[f"{prefix}key"],
        kind=row[f"{prefix}kind"],
        name_fi=row.get(f"{prefix}name_fi"),
        name_en=row.get(f"{prefix}name_en"),
        name_sv=row.get(f"{prefix}name_sv"),
    )


def sources(raw: Iterable[Any] | None) -> list[Source]:
    """Provenance as stored (JSON strings) or as a snapshot decodes it (dicts)."""
    return decode_sources(raw)


# One rule for relation dates, the store's: both bounds inclusive, a missing bound open.
holds = relation_holds


def check_kinds(schema: Schema, kinds: Iterable[str] | None) -> tuple[str, ...]:
    """Node kinds named by a caller, sorted; each must be declared in the schema."""
    return _declared(kinds, schema.node_kinds, "kind(s)")


def check_types(schema: Schema, types: Iterable[str] | None) -> tuple[str, ...]:
    """Relation types named by a caller, sorted; each must be declared in the schema."""
    return _declared(types, schema.relation_types, "relation type(s)")


def _declared(asked: Iterable[str] | None, declared: Mapping[str, Any], what: str) -> tuple[str, ...]:
    names = tuple(sorted(set(asked or ())))
    unknown = [n for n in names if n not in declared]
    if unknown:
        raise QuestionError(f"unknown {what} {', '.join(map(repr, unknown))}; declared: {', '.join(declared)}")
    return names
