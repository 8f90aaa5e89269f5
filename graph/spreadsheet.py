"""The workbook layout, derived from the schema: which sheets a workbook has and their columns.

The .xlsx loader, the template and the .xlsx exports all use this one layout, so a new kind or
property in `schema.yaml` appears in all three with no code change. Sheet and column names are the
declared ones; `SpreadsheetSpec` (schema.py) says which other names (fi/sv/en) mean the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.schema import PropertySpec, Schema

PROVENANCE = ("document", "section", "quote", "sentence", "entered_by", "entered_on", "source_note")
# Provenance column -> the field of graph.model.Source it fills (the others have the same name).
SOURCE_FIELDS = {"document": "doc", "entered_by": "by", "entered_on": "at", "source_note": "note"}
# The template's hidden sheet of drop-down values; loaders skip it.
LISTS_SHEET = "_lists"


@dataclass(frozen=True)
class SheetLayout:
    name: str  # the sheet's name in a template or export
    role: str  # a node kind, or one of graph.schema.SHEET_ROLES
    columns: tuple[str, ...]  # declared column names, in order
    description: str

    @property
    def kind(self) -> str | None:
        return None if self.role in ("entities", "relations", "contacts", "sources") else self.role


def _common(schema: Schema) -> list[str]:
    return list(schema.node_properties)


def _own(schema: Schema, kind: str) -> list[str]:
    return [p.name for p in schema.node_kinds[kind].properties.values() if not p.personal]


def sheet_name(schema: Schema, role: str) -> str:
    """A kind's sheet is named by the kind, the other sheets by their role (Relations, Contacts…)."""
    return role if role in schema.node_kinds else role.title()


def layouts(schema: Schema) -> list[SheetLayout]:
    """Every sheet of a full workbook, in template order."""
    out = []
    for kind, spec in schema.node_kinds.items():
        out.append(SheetLayout(kind, kind, (*_common(schema), *_own(schema, kind), *PROVENANCE), spec.description))
    mixed = list(dict.fromkeys(p for kind in schema.node_kinds for p in _own(schema, kind)))
    common = _common(schema)
    entities = (common[0], "kind", *common[1:], *mixed, *PROVENANCE)
    out.append(SheetLayout(sheet_name(schema, "entities"), "entities", entities, "Nodes of any kind, one a row."))
    relations = ("start", "type", "end", *schema.relation_properties, "key", *PROVENANCE)
    out.append(SheetLayout(sheet_name(schema, "relations"), "relations", relations, "Relations, one a row."))
    personal = list(dict.fromkeys(p for k in schema.node_kinds.values() for p in k.personal_properties))
    contacts = ("key", *personal)
    out.append(
        SheetLayout(
            sheet_name(schema, "contacts"),
            "contacts",
            contacts,
            "Personal contact details, by the key of a node on another sheet of the workbook.",
        )
    )
    sources = ("record", *PROVENANCE)
    out.append(
        SheetLayout(
            sheet_name(schema, "sources"), "sources", sources, "More sources, by the key of a node or a relation."
        )
    )
    return out


def layout_for(schema: Schema, role: str) -> SheetLayout:
    return next(sheet for sheet in layouts(schema) if sheet.role == role)


def property_spec(schema: Schema, column: str, kind: str | None, relation: bool = False) -> PropertySpec | None:
    """The schema's declaration of a column's property (None: not a property, or not of this kind)."""
    if relation:
        return schema.relation_properties.get(column)
    if kind is None:
        return schema.node_properties.get(column)
    return schema.kind_properties(kind).get(column)


def column_description(schema: Schema, column: str, kind: str | None = None, relation: bool = False) -> str:
    """What a header comment says about a column."""
    spec = property_spec(schema, column, kind, relation)
    if spec is None and kind is None and not relation:
        spec = next((k.properties[column] for k in schema.node_kinds.values() if column in k.properties), None)
    if spec is not None:
        text = spec.description or column.replace("_", " ")
        kind_hint = f" ({spec.type})" if spec.type not in ("string", "text") else ""
        required = " Required." if spec.required else ""
        listed = f" Items separated by {LIST_SEPARATOR!r}." if spec.type == "string[]" else ""
        return f"{text}{kind_hint}.{required}{listed}".replace("..", ".")
    return schema.spreadsheet.descriptions.get(column, column.replace("_", " "))


LIST_SEPARATOR = ";"
