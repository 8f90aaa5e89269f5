"""Kumu (kumu.io) projects exported as CSV: an elements sheet and a connections sheet.

`elements.csv` has `Label`, `Type`, optionally `ID`, `Description`, `Tags`, `Image` and columns
named like schema properties (`country`, `aliases`, `name_fi` …). `connections.csv` has `From`,
`To`, `Type` (or `Connection Type`), optionally `Direction`, `Label` (the role), `Description` and
relation properties (`since`, `until` …). From/To name an element by ID or label, or a stored
entity by key or name. Element types map to node kinds and connection types to relation types
through `Schema.resolve_kind` / `resolve_type`: case-insensitively, with the synonyms the schema
declares (organization -> Organisation, "membership" -> MEMBER_OF).

The source is the pair: a folder holding both files, or the elements file (the connections file
is found beside it). Tags and images have no place in the schema and are not stored. Direction is
checked but not used: the relation type says whether a relation reads both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from graph.model import RecordError
from graph.schema import Schema
from loaders import csvutil
from loaders.base import LoadOptions, SourceRead, register
from loaders.csvutil import FileError, Resolver, Row, RowOrigin, Table

DIRECTIONS = ("directed", "undirected", "mutual")


# Kumu's own columns (case-insensitive) -> our field; "" for columns read but not stored.
ELEMENT_COLUMNS = {
    "label": "label",
    "type": "type",
    "id": "key",
    "description": "description_en",
    "tags": "",
    "image": "",
}
CONNECTION_COLUMNS = {
    "from": "from",
    "to": "to",
    "type": "type",
    "connection type": "type",
    "direction": "direction",
    "label": "role",
    "description": "note",
    "tags": "",
}


def _columns(
    table: Table, kumu: dict[str, str], schema_props: Iterable[str], required: dict[str, str]
) -> dict[str, str]:
    """Header column -> our field: Kumu's own columns, else a schema property; FileError otherwise."""
    out = {}
    for header in table.header:
        folded = " ".join(header.casefold().split())
        if folded in kumu:
            out[header] = kumu[folded]
        elif folded in schema_props and folded not in ("key", "kind"):
            out[header] = folded
        else:
            raise FileError(
                RecordError(csvutil.where(table.name, 1), header, "not a Kumu column nor a schema property")
            )
    for field, header in required.items():
        if field not in out.values():
            raise FileError(RecordError(csvutil.where(table.name, 1), header, "missing column"))
    return out


@register
class KumuLoader:
    name: ClassVar[str] = "kumu"
    description: ClassVar[str] = "a Kumu project as CSV: a folder with elements.csv + connections.csv, or elements.csv"
    uses_known_entities: ClassVar[bool] = True

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            return _find(path, "elements.csv") is not None
        header = {c.casefold() for c in csvutil.peek_header(path)}
        return {"label", "type"} <= header or {"from", "to"} <= header

    def read(self, path: Path, schema: Schema, options: LoadOptions) -> SourceRead:
        result = SourceRead(source=str(path))
        elements, connections = _pair(path)
        if elements is None or connections is None:
            missing = "elements.csv" if elements is None else "connections.csv"
            result.errors.append(
                RecordError(csvutil.where(str(path), 1), "(file)", f"no {missing} found for this Kumu project")
            )
            return result
        # From/To name the sheet's own elements first, then the entities already known.
        resolver = Resolver(fallback=Resolver(options.known_entities))
        try:
            table = csvutil.read_table(elements, result.errors)
            node_props = {p for kind in schema.node_kinds for p in schema.kind_properties(kind)}
            columns = _columns(table, ELEMENT_COLUMNS, node_props, {"label": "Label", "type": "Type"})
            for row in table.rows:
                csvutil.commit(result, _element(row, table, columns, schema, resolver))
        except FileError as exc:
            result.errors.append(exc.error)
        try:
            table = csvutil.read_table(connections, result.errors)
            required = {"from": "From", "to": "To", "type": "Type"}
            columns = _columns(table, CONNECTION_COLUMNS, schema.relation_properties, required)
            for row in table.rows:
                csvutil.commit(result, _connection(row, table, columns, schema, resolver))
        except FileError as exc:
            result.errors.append(exc.error)
        return result


def _find(folder: Path, name: str) -> Path | None:
    """A file in `folder` named `name`, case-insensitively."""
    if not folder.is_dir():
        return None
    return next((p for p in sorted(folder.iterdir()) if p.name.casefold() == name and p.is_file()), None)


def _pair(path: Path) -> tuple[Path | None, Path | None]:
    """(elements, connections) for a folder, an elements file or a connections file."""
    if path.is_dir():
        return _find(path, "elements.csv"), _find(path, "connections.csv")
    folded = path.name.casefold()
    if "connections" in folded:
        return _find(path.parent, folded.replace("connections", "elements")), path
    sibling = folded.replace("elements", "connections") if "elements" in folded else "connections.csv"
    return path, _find(path.parent, sibling) or _find(path.parent, "connections.csv")


def _kind(text: str, schema: Schema) -> str:
    kind = schema.resolve_kind(text)
    if kind is None:
        raise ValueError(f"unknown element type {text!r}; expected one of {', '.join(schema.node_kinds)}")
    return kind


def _relation_type(text: str, schema: Schema) -> str:
    found = schema.resolve_type(text)
    if found is None:
        raise ValueError(f"unknown connection type {text!r}; expected one of {', '.join(schema.relation_types)}")
    return found


class _Cells(NamedTuple):
    """One row read: what it makes (and its errors), csvutil.where it is, field -> header and field -> text."""

    out: SourceRead
    at: str
    header: dict[str, str]
    cells: dict[str, str]


def _cells(row: Row, table: Table, columns: dict[str, str], required: tuple[str, ...]) -> _Cells:
    """The row's non-empty cells by field, with a `required` error for each required field left empty."""
    read = _Cells(
        SourceRead(source=table.name),
        table.at(row),
        {field: column for column, field in columns.items()},
        {columns[c]: text for c, text in row.cells.items() if columns[c] and text},
    )
    for field in required:
        if not read.cells.get(field):
            read.out.errors.append(RecordError(read.at, read.header[field], "required"))
    return read


def _element(row: Row, table: Table, columns: dict[str, str], schema: Schema, resolver: Resolver) -> SourceRead:
    out, at, header, cells = _cells(row, table, columns, ("label", "type"))
    if out.errors:
        return out
    try:
        kind = _kind(cells.pop("type"), schema)
    except ValueError as exc:
        out.errors.append(RecordError(at, header["type"], str(exc)))
        return out
    label = cells.pop("label")
    raw: dict[str, Any] = {"kind": kind, "name_en": label, "key": csvutil.slug(label)}
    for field, text in cells.items():
        try:
            raw[field] = csvutil.convert(text, csvutil.schema_type(schema, kind, field))
        except ValueError as exc:
            out.errors.append(RecordError(at, header[field], str(exc)))
    if out.errors:
        return out
    props = {**header, "name_en": header["label"], "kind": header["type"]}
    node = csvutil.add_node(
        out, schema, raw, at, props, RowOrigin(table, row, csvutil.personal_columns(schema, header))
    )
    if node is not None:
        resolver.add(node.key, [label, *node.aliases, *(n for n in (node.name_fi, node.name_en) if n)])
    return out


def _connection(row: Row, table: Table, columns: dict[str, str], schema: Schema, resolver: Resolver) -> SourceRead:
    out, at, header, cells = _cells(row, table, columns, ("from", "to", "type"))
    raw: dict[str, Any] = {}
    direction = cells.pop("direction", "directed")
    if direction.casefold() not in DIRECTIONS:
        out.errors.append(RecordError(at, header["direction"], f"expected one of {', '.join(DIRECTIONS)}"))
    for field, text in cells.items():
        try:
            if field in ("from", "to"):
                raw[field] = resolver.resolve(text)
            elif field == "type":
                raw[field] = _relation_type(text, schema)
            else:
                raw[field] = csvutil.convert(text, csvutil.schema_type(schema, None, field))
        except ValueError as exc:
            out.errors.append(RecordError(at, header[field], str(exc)))
    if not out.errors:
        props = {**header, "start": header["from"], "end": header["to"]}
        csvutil.add_relation(out, schema, raw, at, props, RowOrigin(table, row))
    return out
