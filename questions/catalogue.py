"""What the schema declares, for pickers, legends and forms: kinds and relation types.

Answered from the schema alone (no database read): the schema is the single source of names.
Personal properties are listed with `personal: true` so a form can treat them separately.
"""

from __future__ import annotations

from pydantic import BaseModel

from graph.schema import Schema


class PropertyInfo(BaseModel):
    name: str
    type: str
    required: bool = False
    personal: bool = False
    enum: list[str] | None = None
    description: str = ""


class KindInfo(BaseModel):
    name: str
    description: str
    colour: str
    shape: str
    properties: list[PropertyInfo]  # the kind's own, after the common ones every node has
    actor: bool = False  # an actor (city, organisation, network) can be a partner; a law or a theme cannot


class RelationTypeInfo(BaseModel):
    name: str
    description: str
    sources: list[str]  # kinds a relation may start from
    targets: list[str]  # kinds it may end at
    symmetric: bool
    line: str
    group: str = "other"  # what it means: membership, partnership, support, initiative, theme, structure, people


def list_kinds(schema: Schema) -> list[KindInfo]:
    """Node kinds in declaration order, each with its common and own properties."""
    return [
        KindInfo(
            name=kind.name,
            description=kind.description,
            colour=kind.colour,
            shape=kind.shape,
            actor=kind.actor,
            properties=[
                PropertyInfo(
                    name=spec.name,
                    type=spec.type,
                    required=spec.required,
                    personal=spec.personal,
                    enum=list(spec.enum) if spec.enum else None,
                    description=spec.description,
                )
                for spec in schema.kind_properties(kind.name).values()
            ],
        )
        for kind in schema.node_kinds.values()
    ]


def list_relation_types(schema: Schema) -> list[RelationTypeInfo]:
    """Relation types in declaration order with the kinds they may link."""
    return [
        RelationTypeInfo(
            name=rel.name,
            description=rel.description,
            sources=list(rel.sources),
            targets=list(rel.targets),
            symmetric=rel.symmetric,
            line=rel.line,
            group=rel.group,
        )
        for rel in schema.relation_types.values()
    ]
