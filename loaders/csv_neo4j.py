"""Nodes and relations from CSV files in the neo4j-admin import header style.

A nodes file has an `:ID` column (`key:ID`, `:ID`, `id:ID(City)`: its value becomes the node key)
and a `:LABEL` column (`City` or `Entity;City`: the label that is a schema kind is the kind). A
relations file has `:START_ID`, `:END_ID` and `:TYPE`. Other columns are properties, optionally
typed the neo4j-admin way (`since:date`, `population:int`, `capital:boolean`, `aliases:string[]`
with `;` between items); an untyped column takes the type the schema declares for the property.
So files made for Neo4j's own import tool load as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from graph.model import RecordError
from graph.schema import ENTITY_LABEL, Schema
from loaders import csvutil
from loaders.base import LoadOptions, SourceRead, register
from loaders.csvutil import FileError, Row, RowOrigin, Table

_COLUMN = re.compile(r"^(?P<name>[^:]*)(?::(?P<type>[A-Za-z_]+(?:\[\])?)(?:\((?P<group>[^)]*)\))?)?$")
_ROLES = {"ID": "key", "LABEL": "kind", "START_ID": "start", "END_ID": "end", "TYPE": "type", "IGNORE": ""}
_DATA_TYPES = {"int", "long", "short", "byte", "float", "double", "boolean", "string", "char", "date"}
# Common names that are not schema properties but mean one.
_RENAMES = {"name": "name_en"}


@dataclass(frozen=True)
class Column:
    header: str  # as written in the file
    prop: str  # key, kind, start, end, type, a property name, or "" to ignore
    type: str | None  # neo4j-admin data type (int, date, string[] …); None: as the schema says


def parse_header(header: list[str], name: str) -> list[Column]:
    """The header's columns; FileError for a column this loader cannot use."""
    columns = []
    for text in header:
        match = _COLUMN.match(text)
        if match is None:
            raise FileError(RecordError(csvutil.where(name, 1), text, "not a neo4j-admin header column (name:type)"))
        prop, type_name = match["name"].strip(), match["type"]
        role = type_name.upper() if type_name else None
        if role in _ROLES:
            columns.append(Column(text, _ROLES[role], None))
            continue
        if not prop:
            raise FileError(RecordError(csvutil.where(name, 1), text, "the column has a type but no property name"))
        if type_name is not None and type_name.removesuffix("[]").lower() not in _DATA_TYPES:
            raise FileError(
                RecordError(
                    csvutil.where(name, 1),
                    text,
                    f"unsupported type {type_name!r}; use one of {', '.join(sorted(_DATA_TYPES))} (with [] for arrays)",
                )
            )
        data_type = type_name.lower().replace("char", "string") if type_name else None
        columns.append(Column(text, _RENAMES.get(prop, prop), data_type))
    seen: dict[str, str] = {}
    for column in columns:
        if column.prop and column.prop in seen:
            raise FileError(
                RecordError(csvutil.where(name, 1), column.header, f"means the same as column {seen[column.prop]!r}")
            )
        seen[column.prop] = column.header
    return columns


def _require(columns: list[Column], name: str, needed: dict[str, str]) -> None:
    have = {c.prop for c in columns}
    for prop, header in needed.items():
        if prop not in have:
            raise FileError(RecordError(csvutil.where(name, 1), header, "missing column"))


@register
class Neo4jCsvLoader:
    name: ClassVar[str] = "neo4j-csv"
    description: ClassVar[str] = "a nodes or relations CSV file with neo4j-admin import headers (:ID, :LABEL, :TYPE …)"

    def detect(self, path: Path) -> bool:
        return any(re.search(r":(ID|START_ID|END_ID)(\(|$)", c, re.IGNORECASE) for c in csvutil.peek_header(path))

    def read(self, path: Path, schema: Schema, options: LoadOptions) -> SourceRead:
        result = SourceRead(source=str(path))
        try:
            table = csvutil.read_table(path, result.errors)
            columns = parse_header(table.header, table.name)
            props = {c.prop for c in columns}
            if "start" in props or "end" in props:
                _require(columns, table.name, {"start": ":START_ID", "end": ":END_ID", "type": ":TYPE"})
                for row in table.rows:
                    csvutil.commit(result, self._relation(row, table, columns, schema))
            else:
                _require(columns, table.name, {"key": ":ID", "kind": ":LABEL"})
                for row in table.rows:
                    csvutil.commit(result, self._node(row, table, columns, schema))
        except FileError as exc:
            result.errors.append(exc.error)
        return result

    def _node(self, row: Row, table: Table, columns: list[Column], schema: Schema) -> SourceRead:
        out = SourceRead(source=table.name)
        at = table.at(row)
        kind_column = next(c for c in columns if c.prop == "kind")
        try:
            kind = _kind(row.cells[kind_column.header], schema)
        except ValueError as exc:
            out.errors.append(RecordError(at, kind_column.header, str(exc)))
            return out
        raw: dict[str, Any] = {"kind": kind}
        cells = {c.header: row.cells[c.header] for c in columns if c.prop not in ("", "kind")}
        raw.update(_converted(cells, columns, schema, kind, out, at))
        if not out.errors:
            props = {c.prop: c.header for c in columns}
            origin = RowOrigin(table, row, csvutil.personal_columns(schema, props))
            csvutil.add_node(out, schema, raw, at, props, origin)
        return out

    def _relation(self, row: Row, table: Table, columns: list[Column], schema: Schema) -> SourceRead:
        out = SourceRead(source=table.name)
        at = table.at(row)
        cells = {c.header: row.cells[c.header] for c in columns if c.prop}
        for column in columns:
            if column.prop == "type":
                cells[column.header] = _relation_type(cells[column.header], schema)
        raw = _converted(cells, columns, schema, None, out, at)
        if not out.errors:
            csvutil.add_relation(out, schema, raw, at, {c.prop: c.header for c in columns}, RowOrigin(table, row))
        return out


def _converted(
    cells: dict[str, str], columns: list[Column], schema: Schema, kind: str | None, out: SourceRead, at: str
) -> dict[str, Any]:
    """The given cells as typed values (a column's `:type`, else the schema's); errors into `out`."""
    raw: dict[str, Any] = {}
    for column in columns:
        if column.header not in cells:
            continue
        text = cells[column.header]
        try:
            raw[column.prop] = (
                csvutil.convert(text, column.type or csvutil.schema_type(schema, kind, column.prop)) if text else ""
            )
        except ValueError as exc:
            out.errors.append(RecordError(at, column.header, str(exc)))
    return raw


def _kind(cell: str, schema: Schema) -> str:
    """The schema kind among a `:LABEL` cell's labels (`Entity;City` -> City); ValueError if none."""
    labels = csvutil.split_list(cell)
    kinds = list(dict.fromkeys(k for k in map(schema.resolve_kind, labels) if k is not None))
    if len(kinds) == 1:
        return kinds[0]
    if not labels:
        raise ValueError("required (the node kind)")
    if kinds:
        raise ValueError(f"several kinds {', '.join(kinds)}; a node has one")
    others = [label for label in labels if label != ENTITY_LABEL] or labels
    raise ValueError(f"unknown kind {';'.join(others)!r}; expected one of {', '.join(schema.node_kinds)}")


def _relation_type(cell: str, schema: Schema) -> str:
    """`member_of`, `member of` or a synonym -> MEMBER_OF when that is a schema type; otherwise as written."""
    return schema.resolve_type(cell) or cell
