"""Typed records for nodes and relations, generated from and checked against the schema.

Every write path (curated dataset, CSV files, API writes) turns its input into these records
through `parse_node` / `parse_relation`, so a record that reaches the store is known to be valid.
Errors name the record and the field, because users fix files, not stack traces.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
    model_validator,
)

from graph.schema import PropertySpec, Schema
from graph.schema import display_name as display_name  # noqa: PLC0414  (re-exported: the one caption rule)

# The documented key: a lower-case slug (graph/schema.yaml), so `HELSINKI` and `helsinki` cannot be two entities.
KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,127}$"
# Unicode White_Space spelled out: `\s` means other sets in JSON Schema (ECMA-262), Python and Rust
# (pydantic), and a pattern the OpenAPI documents must mean what the server checks.
SPACE = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
URL_PATTERN = rf"^https?://[^{SPACE}<>\"']+$"
EMAIL_PATTERN = rf"^[^@{SPACE}<>\"']+@[^@{SPACE}<>\"']+\.[^@{SPACE}<>\"']+$"
VISIBLE = rf"[^{SPACE}]"  # not only whitespace, as pydantic's trimming sees it
MAX_STRING = 1_000
MAX_TEXT = 20_000
MAX_LIST_ITEMS = 200
# A cell starting like this runs as a formula when the data is opened in a spreadsheet. A leading
# + or - is fine when only a phone number or a number follows.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+\-](?![\d\s().\-/]*$))")

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_STRING)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]


@dataclass(frozen=True)
class RecordError:
    """One problem with one field of one record: what a user needs to fix it."""

    record: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.reason}"


class ValidationFailed(ValueError):
    """Raised with every error found, so a user fixes a file in one pass, not one error per run."""

    def __init__(self, errors: Iterable[RecordError]):
        self.errors = list(errors)
        shown = "\n".join(f"  - {e}" for e in self.errors[:50])
        more = f"\n  … and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(f"{len(self.errors)} invalid record(s):\n{shown}{more}")


# The `doc` of a fact entered by hand rather than read from a document.
MANUAL_DOC = "manual"
SOURCE_RULE = (
    "a source quotes its document (doc, quote), or is a manual entry saying who (by), when (at) and why (note)"
)

NO_SOURCE = f"at least one source is required: {SOURCE_RULE}"


class Source(BaseModel):
    """Where a fact comes from: a document, its section and the verbatim sentence; or a manual
    entry, which says who entered the fact, when, and a note on where they know it from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    doc: ShortText
    section: Annotated[str, StringConstraints(max_length=MAX_STRING)] | None = None
    quote: LongText | None = None
    sentence: int | None = Field(default=None, ge=0, description="Sentence number in the section.")
    by: ShortText | None = Field(default=None, description="Manual entry: who entered the fact.")
    at: dt.date | None = Field(default=None, description="Manual entry: the day it was entered (YYYY-MM-DD).")
    note: LongText | None = Field(default=None, description="Manual entry: how the person knows it.")

    @model_validator(mode="before")
    @classmethod
    def _manual_doc(cls, data: Any) -> Any:
        # A manual entry need not name a document: it is its own.
        if isinstance(data, Mapping) and not data.get("doc") and not data.get("quote"):
            return {**data, "doc": MANUAL_DOC}
        return data

    @model_validator(mode="after")
    def _quoted_or_manual(self) -> Source:
        if self.quote is None and not (self.by and self.at and self.note):
            missing = [name for name in ("by", "at", "note") if not getattr(self, name)]
            raise ValueError(f"{SOURCE_RULE}; this one has no quote, nor {', '.join(missing)}")
        return self

    @property
    def manual(self) -> bool:
        return self.quote is None

    def cite(self) -> str:
        """One line for people: the quote and where it is, or who entered the fact, when and why."""
        if self.quote is None:
            return f"entered by {self.by} on {self.at}: {self.note}"
        return f"“{self.quote}” — {self.section or self.doc}"

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", exclude_none=True), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Source:
        return cls.model_validate_json(text)


class NodeRecord(BaseModel):
    """A validated node. `properties` holds the kind's own typed properties; `personal` the contact
    fields that the store keeps on a separate ContactCard node."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str
    kind: str
    name_fi: str | None = None
    name_en: str | None = None
    name_sv: str | None = None
    aliases: tuple[str, ...] = ()
    description_fi: str | None = None
    description_en: str | None = None
    url: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    personal: dict[str, Any] = Field(default_factory=dict)
    sources: tuple[Source, ...] = ()

    @property
    def name(self) -> str:
        return self.name_en or self.name_fi or self.key

    def stored_properties(self) -> dict[str, Any]:
        """The flat property map written to the database (no nulls, sources as JSON strings)."""
        fields = {
            "key": self.key,
            "kind": self.kind,
            "name_fi": self.name_fi,
            "name_en": self.name_en,
            "name_sv": self.name_sv,
            "aliases": list(self.aliases),
            "description_fi": self.description_fi,
            "description_en": self.description_en,
            "url": self.url,
        }
        props = _stored(fields, self.properties, self.sources)
        # search_text is derived so that stores can filter names without string functions.
        props["search_text"] = " | ".join(
            n for n in (self.name_fi, self.name_en, self.name_sv, *self.aliases, self.key) if n
        ).casefold()
        return props


def _stored(fields: Mapping[str, Any], properties: Mapping[str, Any], sources: Iterable[Source]) -> dict[str, Any]:
    """The flat property map a record writes: its fields, its kind's or type's own properties and
    its sources as JSON strings, without nulls or empty lists."""
    props = {**fields, **properties, "sources": [s.to_json() for s in sources]}
    return {k: v for k, v in props.items() if v is not None and v != []}


class RelationRecord(BaseModel):
    """A validated relation between two node keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: str
    type: str
    end: str
    key: str
    since: dt.date | None = None
    until: dt.date | None = None
    role: str | None = None
    basis: Literal["stated", "inferred"] = "stated"
    note: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    sources: tuple[Source, ...] = ()

    def stored_properties(self) -> dict[str, Any]:
        fields = {
            "key": self.key,
            "since": self.since,
            "until": self.until,
            "role": self.role,
            "basis": self.basis,
            "note": self.note,
        }
        return _stored(fields, self.properties, self.sources)


def relation_key(schema: Schema, start: str, rel_type: str, end: str) -> str:
    """A stable identity for a relation, from its endpoints and type only: no free text, so that a
    changed role or note keeps the key. Symmetric types get the same key in both directions. A
    second relation of one type between the same two entities needs a key of its own."""
    a, b = (start, end)
    if schema.relation_types[rel_type].symmetric and b < a:
        a, b = b, a
    return f"{a}|{rel_type}|{b}"


def suggest_key(text: str) -> str | None:
    """The slug closest to `text` (`HELSINKI` -> `helsinki`, `Malmö stad` -> `malmo-stad`), or None."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_text).strip("-._")[:128].rstrip("-._")
    return slug if slug and re.fullmatch(KEY_PATTERN, slug) else None


def key_problem(text: str) -> str:
    """Why `text` is not a key, with the slug it was likely meant to be."""
    suggestion = suggest_key(text)
    hint = f"; did you mean {suggestion!r}?" if suggestion and suggestion != text else ""
    return f"not a lower-case slug (a-z, 0-9, '-', '_', '.', at most 128 characters){hint}"


def _slug(value: str) -> str:
    if not re.fullmatch(KEY_PATTERN, value):
        raise ValueError(key_problem(value))
    return value


# Every key field of the loaders and the API: one rule, one message.
SlugKey = Annotated[str, AfterValidator(_slug)]


def _python_type(spec: PropertySpec) -> Any:
    base: Any
    if spec.enum:
        base = Literal[spec.enum]
    elif spec.type == "string":
        base = ShortText
    elif spec.type == "text":
        base = LongText
    elif spec.type == "string[]":
        base = Annotated[list[ShortText], Field(max_length=MAX_LIST_ITEMS)]
    elif spec.type == "integer":
        base = Annotated[int, Field(strict=True)]
    elif spec.type == "float":
        base = float
    elif spec.type == "boolean":
        base = Annotated[bool, Field(strict=True)]
    elif spec.type == "date":
        base = dt.date
    elif spec.type == "url":
        base = Annotated[str, StringConstraints(max_length=2_000, pattern=URL_PATTERN)]
    elif spec.type == "email":
        base = Annotated[str, StringConstraints(max_length=320, pattern=EMAIL_PATTERN)]
    else:  # pragma: no cover - the schema loader refuses other types
        raise TypeError(spec.type)
    return base


@cache
def _kind_model(schema: Schema, kind: str) -> type[BaseModel]:
    """A pydantic model of one node kind's properties, generated from the schema."""
    fields: dict[str, Any] = {}
    for spec in schema.kind_properties(kind).values():
        if spec.name == "key":
            fields["key"] = (SlugKey, ...)
            continue
        fields[spec.name] = (_python_type(spec) | None, None)
    return create_model(f"{kind}Properties", __config__=ConfigDict(extra="forbid"), **fields)


@cache
def _relation_model(schema: Schema) -> type[BaseModel]:
    fields: dict[str, Any] = {
        spec.name: (_python_type(spec) | None, spec.default) for spec in schema.relation_properties.values()
    }
    fields["start"] = (SlugKey, ...)
    fields["end"] = (SlugKey, ...)
    fields["type"] = (str, ...)
    return create_model("RelationProperties", __config__=ConfigDict(extra="forbid"), **fields)


def _errors_from(exc: ValidationError, record: str, prefix: str = "") -> list[RecordError]:
    out = []
    for err in exc.errors():
        # A whole-model error (no location) is the field the model sits in, or the record.
        where = ".".join(str(p) for p in err["loc"]) or prefix.rstrip(".") or "(record)"
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "not a property declared in the schema"
        elif err["type"] == "missing":
            reason = "required"
        elif err["type"] == "value_error":
            reason = str(err.get("ctx", {}).get("error", reason))  # our own message, without pydantic's prefix
        out.append(RecordError(record, where if not err["loc"] else prefix + where, reason))
    return out


def _formula_errors(values: Mapping[str, Any], record: str) -> list[RecordError]:
    """Cells like `=HYPERLINK(…)` come from spreadsheets; storing them would arm the next export."""
    errors = []
    for name, value in values.items():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str) and _FORMULA.match(item):
                errors.append(RecordError(record, name, f"looks like a spreadsheet formula: {item[:40]!r}"))
    return errors


def _sources(raw: Any, record: str, default_doc: str | None) -> tuple[tuple[Source, ...], list[RecordError]]:
    if raw in (None, ""):
        return (), []
    if not isinstance(raw, list):
        return (), [RecordError(record, "sources", "must be a list of {doc, section, quote}")]
    out, errors = [], []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            errors.append(RecordError(record, f"sources.{i}", "must be a mapping with doc, section, quote"))
            continue
        data = dict(item)
        if default_doc and not data.get("doc"):
            data["doc"] = default_doc
        try:
            out.append(Source.model_validate(data))
        except ValidationError as exc:
            errors.extend(_errors_from(exc, record, f"sources.{i}."))
    return tuple(out), errors


def parse_node(schema: Schema, raw: Mapping[str, Any], record: str, *, default_doc: str | None = None) -> NodeRecord:
    """Validate one raw node mapping (from YAML, CSV or JSON) into a NodeRecord."""
    data = {k: v for k, v in raw.items() if v is not None and v != ""}
    kind = data.pop("kind", None)
    label = record if "key" not in data else f"{record} (key {data['key']!r})"
    if kind is None:
        raise ValidationFailed([RecordError(label, "kind", "required")])
    if kind not in schema.node_kinds:
        raise ValidationFailed(
            [RecordError(label, "kind", f"unknown kind {kind!r}; expected one of {', '.join(schema.node_kinds)}")]
        )
    sources, errors = _sources(data.pop("sources", None), label, default_doc)
    data.pop("basis", None)  # nodes are stated by their sources; accepted for symmetry with relations
    errors += _formula_errors(data, label)
    try:
        props = _kind_model(schema, kind).model_validate(data).model_dump(exclude_none=True)
    except ValidationError as exc:
        errors += _errors_from(exc, label)
        props = {}
    if not errors and not (props.get("name_fi") or props.get("name_en")):
        errors.append(RecordError(label, "name_fi/name_en", "at least one name is required"))
    if errors:
        raise ValidationFailed(errors)
    common = {name: props.pop(name) for name in list(props) if name in schema.node_properties}
    personal = {n: props.pop(n) for n in schema.node_kinds[kind].personal_properties if n in props}
    common["aliases"] = tuple(dict.fromkeys(common.get("aliases", ())))
    return NodeRecord(kind=kind, properties=props, personal=personal, sources=sources, **common)


def parse_relation(
    schema: Schema, raw: Mapping[str, Any], record: str, *, default_doc: str | None = None
) -> RelationRecord:
    """Validate one raw relation mapping (start/from, type, end/to, …) into a RelationRecord."""
    data = {k: v for k, v in raw.items() if v is not None and v != ""}
    for alias, name in (("from", "start"), ("to", "end")):
        if alias in data:
            data[name] = data.pop(alias)
    rel_type = data.get("type")
    label = f"{record} ({data.get('start', '?')} -{rel_type or '?'}-> {data.get('end', '?')})"
    if rel_type is None:
        raise ValidationFailed([RecordError(label, "type", "required")])
    if rel_type not in schema.relation_types:
        raise ValidationFailed(
            [
                RecordError(
                    label,
                    "type",
                    f"unknown relation type {rel_type!r}; expected one of {', '.join(schema.relation_types)}",
                )
            ]
        )
    sources, errors = _sources(data.pop("sources", None), label, default_doc)
    explicit_key = data.pop("key", None)
    errors += _formula_errors(data, label)
    try:
        props = _relation_model(schema).model_validate(data).model_dump(exclude_none=True)
    except ValidationError as exc:
        errors += _errors_from(exc, label)
        props = {}
    if not errors and props.get("since") and props.get("until") and props["until"] < props["since"]:
        errors.append(RecordError(label, "until", "is before since"))
    if not errors and props.get("basis") == "inferred" and not props.get("note"):
        errors.append(RecordError(label, "note", "an inferred relation needs a note saying how it was inferred"))
    if errors:
        raise ValidationFailed(errors)
    key = explicit_key or relation_key(schema, props["start"], rel_type, props["end"])
    return RelationRecord(key=str(key), sources=sources, **props)


@dataclass
class Batch:
    """Nodes and relations to be written together: all of them, or none."""

    nodes: list[NodeRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    # Sources to add to nodes that already exist (mentions found in a document), by node key.
    provenance: dict[str, list[Source]] = field(default_factory=dict)

    def extend(self, other: Batch) -> None:
        self.nodes.extend(other.nodes)
        self.relations.extend(other.relations)
        for key, sources in other.provenance.items():
            self.provenance.setdefault(key, []).extend(sources)

    def __len__(self) -> int:
        return len(self.nodes) + len(self.relations) + len(self.provenance)


def _node_problem(
    node: NodeRecord, seen: NodeRecord | None, stored_kind: str | None, where: Mapping[int, str]
) -> tuple[str, str] | None:
    """What is wrong with one node of a batch, as (field, reason), or None."""
    if seen is not None and seen != node:
        first = f" (first at {where[id(seen)]})" if id(seen) in where else ""
        return "key", f"duplicate key with conflicting values{first}"
    if not node.sources:
        return "sources", NO_SOURCE
    if stored_kind is not None and stored_kind != node.kind:
        return "kind", f"key already exists as a {stored_kind}"
    return None


def _relation_problems(
    schema: Schema, rel: RelationRecord, seen: RelationRecord | None, kinds: Mapping[str, str]
) -> list[tuple[str, str]]:
    """What is wrong with one relation of a batch, as (field, reason) pairs: missing ends first."""
    ends = (("start", rel.start), ("end", rel.end))
    missing = [(name, f"no node with key {key!r}") for name, key in ends if key not in kinds]
    if missing:
        return missing
    if rel.start == rel.end:
        return [("end", "a relation cannot point to its own start")]
    if not rel.sources:
        return [("sources", NO_SOURCE)]
    spec = schema.relation_types[rel.type]
    if not spec.allows(kinds[rel.start], kinds[rel.end]):
        allowed = f"{'|'.join(spec.sources)} -> {'|'.join(spec.targets)}"
        return [("type", f"{rel.type} does not go from {kinds[rel.start]} to {kinds[rel.end]} (allowed: {allowed})")]
    if seen is not None and seen != rel:
        return [("key", f"duplicate relation {rel.key!r} with conflicting values")]
    return []


def check_batch(
    schema: Schema,
    batch: Batch,
    stored_kinds: Mapping[str, str],
    where: Mapping[int, str] | None = None,
) -> tuple[Batch, list[RecordError]]:
    """Cross-record checks: duplicate keys with conflicting values, kind changes, relation endpoints
    that exist (in the batch or in the store, `stored_kinds`) and have kinds the type allows, and
    the data rule that every node and relation has a source (`SOURCE_RULE`).

    `where` names the place a record came from ("<file> line <n>") by `id(record)`; errors use it.
    Returns the batch with exact duplicates removed, and the errors.
    """
    where = where or {}
    errors: list[RecordError] = []
    nodes: dict[str, NodeRecord] = {}
    for node in batch.nodes:
        problem = _node_problem(node, nodes.get(node.key), stored_kinds.get(node.key), where)
        if problem is not None:
            label = f"{where[id(node)]} (key {node.key!r})" if id(node) in where else f"node {node.key!r}"
            errors.append(RecordError(label, *problem))
            continue
        nodes[node.key] = node
    kinds = {**stored_kinds, **{k: n.kind for k, n in nodes.items()}}
    relations: dict[str, RelationRecord] = {}
    for rel in batch.relations:
        problems = _relation_problems(schema, rel, relations.get(rel.key), kinds)
        if problems:
            ends = f"{rel.start} -{rel.type}-> {rel.end}"
            label = f"{where[id(rel)]} ({ends})" if id(rel) in where else f"relation {ends}"
            errors.extend(RecordError(label, *problem) for problem in problems)
            continue
        relations[rel.key] = rel
    provenance = {}
    for key, sources in batch.provenance.items():
        if key not in kinds:
            errors.append(RecordError(f"mention of {key!r}", "key", "no node with this key"))
            continue
        provenance[key] = list(dict.fromkeys(sources))
    return Batch(list(nodes.values()), list(relations.values()), provenance), errors


def source_dicts(raw: Iterable[Any] | None) -> list[Any]:
    """Provenance as the store keeps it (JSON strings, written by `Source.to_json`) as plain dicts,
    unvalidated: what snapshots hold, cheap enough for every node of a large export."""
    return [json.loads(item) if isinstance(item, str) else item for item in raw or ()]


def decode_sources(raw: Iterable[Any] | None, *, skip_invalid: bool = False) -> list[Source]:
    """Provenance as stored or as a snapshot holds it, as `Source` models: the one reader of that
    format with `source_dicts`. `skip_invalid` drops what is no source (a map of a foreign graph)."""
    out: list[Source] = []
    for item in raw or ():
        try:
            out.append(_stored_source(item) if isinstance(item, str) else Source.model_validate(item))
        except (ValueError, TypeError):
            if not skip_invalid:
                raise
    return out


@functools.lru_cache(maxsize=20_000)
def _stored_source(text: str) -> Source:
    """One stored source, decoded once: many facts quote the same sentence, and Source is frozen."""
    return Source.model_validate(json.loads(text))
