"""The domain model as data: `schema.yaml` loaded, checked and made queryable.

Nothing else in partnergraph names a node kind or relation type on its own: labels and relation
types reach Cypher only after `Schema.label()` / `Schema.relation_type()` have accepted them, so a
user-supplied string can never become part of a statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")
PROPERTY_TYPES = frozenset({"string", "text", "string[]", "integer", "float", "boolean", "date", "url", "email"})
# Neo4j identifiers we are willing to splice into Cypher: plain ASCII words only.
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ENTITY_LABEL = "Entity"
CONTACT_LABEL = "ContactCard"


class SchemaError(ValueError):
    """The schema file itself is inconsistent; raised at load time, never at query time."""


@dataclass(frozen=True)
class PropertySpec:
    name: str
    type: str
    required: bool = False
    personal: bool = False
    enum: tuple[str, ...] | None = None
    default: Any = None
    description: str = ""


@dataclass(frozen=True)
class NodeKind:
    name: str
    description: str
    colour: str
    shape: str
    properties: dict[str, PropertySpec]

    @property
    def personal_properties(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties.values() if p.personal)


@dataclass(frozen=True)
class RelationType:
    name: str
    description: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    symmetric: bool = False
    line: str = "solid"

    def allows(self, start_kind: str, end_kind: str) -> bool:
        if start_kind in self.sources and end_kind in self.targets:
            return True
        return self.symmetric and end_kind in self.sources and start_kind in self.targets


@dataclass(frozen=True, eq=False)  # identity hash: schemas key per-schema caches
class Schema:
    version: int
    node_properties: dict[str, PropertySpec]
    relation_properties: dict[str, PropertySpec]
    node_kinds: dict[str, NodeKind]
    relation_types: dict[str, RelationType]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def label(self, kind: str) -> str:
        """The Cypher label for a node kind; refuses anything not declared."""
        if kind not in self.node_kinds:
            raise KeyError(f"unknown node kind {kind!r}; declared: {', '.join(self.node_kinds)}")
        return kind

    def relation_type(self, name: str) -> str:
        """The Cypher relation type; refuses anything not declared."""
        if name not in self.relation_types:
            raise KeyError(f"unknown relation type {name!r}; declared: {', '.join(self.relation_types)}")
        return name

    def kind_properties(self, kind: str) -> dict[str, PropertySpec]:
        """Common node properties plus the kind's own."""
        return {**self.node_properties, **self.node_kinds[kind].properties}

    @property
    def personal_property_names(self) -> frozenset[str]:
        return frozenset(p for k in self.node_kinds.values() for p in k.personal_properties)


def _property_specs(raw: dict[str, Any] | None, where: str) -> dict[str, PropertySpec]:
    specs: dict[str, PropertySpec] = {}
    for name, declared in (raw or {}).items():
        body = declared or {}
        if not _IDENTIFIER.match(name):
            raise SchemaError(f"{where}: property name {name!r} is not a plain identifier")
        ptype = body.get("type", "string")
        if ptype not in PROPERTY_TYPES:
            raise SchemaError(f"{where}.{name}: unknown type {ptype!r}")
        enum = body.get("enum")
        specs[name] = PropertySpec(
            name=name,
            type=ptype,
            required=bool(body.get("required", False)),
            personal=bool(body.get("personal", False)),
            enum=tuple(enum) if enum else None,
            default=body.get("default"),
            description=body.get("description", ""),
        )
    return specs


def parse_schema(raw: dict[str, Any]) -> Schema:
    """Build and check a Schema from the YAML structure; every inconsistency is a SchemaError."""
    node_props = _property_specs(raw.get("node_properties"), "node_properties")
    rel_props = _property_specs(raw.get("relation_properties"), "relation_properties")
    kinds: dict[str, NodeKind] = {}
    for name, body in (raw.get("node_kinds") or {}).items():
        if not _IDENTIFIER.match(name) or name in (ENTITY_LABEL, CONTACT_LABEL):
            raise SchemaError(f"node kind {name!r} is not a usable label")
        own = _property_specs(body.get("properties"), f"node_kinds.{name}")
        clash = set(own) & set(node_props)
        if clash:
            raise SchemaError(f"node_kinds.{name}: redeclares common properties {sorted(clash)}")
        kinds[name] = NodeKind(
            name=name,
            description=body.get("description", ""),
            colour=body.get("colour", "#777777"),
            shape=body.get("shape", "dot"),
            properties=own,
        )
    rels: dict[str, RelationType] = {}
    for name, body in (raw.get("relation_types") or {}).items():
        if not re.match(r"^[A-Z][A-Z0-9_]*$", name):
            raise SchemaError(f"relation type {name!r} must be UPPER_SNAKE_CASE")
        ends = (tuple(body.get("from") or ()), tuple(body.get("to") or ()))
        for end in ends:
            if not end:
                raise SchemaError(f"relation_types.{name}: from/to must list node kinds")
            unknown = [k for k in end if k not in kinds]
            if unknown:
                raise SchemaError(f"relation_types.{name}: unknown node kinds {unknown}")
        rels[name] = RelationType(
            name=name,
            description=body.get("description", ""),
            sources=ends[0],
            targets=ends[1],
            symmetric=bool(body.get("symmetric", False)),
            line=body.get("line", "solid"),
        )
    if not kinds or not rels:
        raise SchemaError("the schema declares no node kinds or no relation types")
    if "key" not in node_props or not node_props["key"].required:
        raise SchemaError("node_properties must declare a required 'key'")
    return Schema(int(raw.get("version", 1)), node_props, rel_props, kinds, rels, raw)


@cache
def load_schema(path: Path = SCHEMA_PATH) -> Schema:
    """The schema, read and checked once per process."""
    with path.open(encoding="utf-8") as handle:
        return parse_schema(yaml.safe_load(handle))
