"""Excel workbooks out: the template to fill in, the graph (or part of it), and question answers.

All three follow `graph/spreadsheet.py`, so the .xlsx loader reads back what the graph export
writes (same nodes, relations, properties and sources) and a new kind or property in schema.yaml
shows up in all of them with no code change. Text is always written as text, never as a formula.
Personal contact fields are written only when the caller asks for them (a role that may see them).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel

from graph.model import MANUAL_DOC
from graph.schema import PropertySpec, Schema
from graph.spreadsheet import (
    LISTS_SHEET,
    PROVENANCE,
    SOURCE_FIELDS,
    SheetLayout,
    column_description,
    layouts,
    property_spec,
)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_JOIN = "; "
MAX_SHEET_TITLE = 31  # Excel's limit
_DATE_FORMAT = "yyyy-mm-dd"
_BOLD = Font(bold=True)
_TEMPLATE_ROWS = 1_000  # how far down the drop-downs reach
# The template's example rows are entered by hand: a manual-entry source says who, when and how known.
_MANUAL_EXAMPLE: dict[str, Any] = {
    "document": MANUAL_DOC,
    "entered_by": "Your name",
    "entered_on": "2026-01-31",
    "source_note": "How you know this: a meeting, an email, a web page.",
}


def _empty_book() -> Workbook:
    book = Workbook()
    for sheet in list(book.worksheets):  # the default sheet: every sheet we write is named
        book.remove(sheet)
    return book


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """One cell; text stays text even when it starts with '=' (a stored value never runs)."""
    if value is None or value in ("", []):
        return
    if isinstance(value, list | tuple):
        value = LIST_JOIN.join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    elif not isinstance(value, str | int | float | dt.date):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)  # control characters XML cannot hold
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.date):
        cell.number_format = _DATE_FORMAT


def _header(ws: Worksheet, columns: Sequence[str], comments: Mapping[str, str] | None = None) -> None:
    for number, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=number, value=name)
        cell.data_type = "s"
        cell.font = _BOLD
        if comments and comments.get(name):
            cell.comment = Comment(comments[name], "partnergraph", width=320, height=120)
        ws.column_dimensions[get_column_letter(number)].width = max(12, min(40, len(name) + 4))
    ws.freeze_panes = "A2"


def _spec(schema: Schema, layout: SheetLayout, column: str) -> PropertySpec | None:
    relation = layout.role == "relations"
    spec = property_spec(schema, column, layout.kind, relation)
    if spec is None and layout.role == "entities":
        spec = next((k.properties[column] for k in schema.node_kinds.values() if column in k.properties), None)
    if spec is None and layout.role == "contacts" and column != "key":
        spec = next((k.properties[column] for k in schema.node_kinds.values() if column in k.properties), None)
    return spec


# -- the template --------------------------------------------------------------------------------


def _lists(schema: Schema, layout_list: list[SheetLayout]) -> dict[str, list[str]]:
    """Drop-down values by column name: kinds, relation types, booleans and every enum."""
    values: dict[str, list[str]] = {"kind": list(schema.node_kinds), "type": list(schema.relation_types)}
    for layout in layout_list:
        for column in layout.columns:
            spec = _spec(schema, layout, column)
            if spec is not None and spec.enum:
                values.setdefault(column, list(spec.enum))
            elif spec is not None and spec.type == "boolean":
                values.setdefault(column, ["TRUE", "FALSE"])
    return values


def _example(schema: Schema, layout: SheetLayout, column: str, keys: Mapping[str, str]) -> Any:
    """A valid value for the example row."""
    if column == "key":
        return keys.get(layout.role, keys.get("entities"))
    if column in _MANUAL_EXAMPLE:
        return _MANUAL_EXAMPLE[column]
    if column in ("section", "quote", "sentence", "record", "start", "type", "end", "kind"):
        return None  # filled per sheet below
    spec = _spec(schema, layout, column)
    if spec is None:
        return None
    if spec.enum:
        return spec.default if spec.default in spec.enum else spec.enum[0]
    examples: dict[str, Any] = {
        "string": f"Example {column.replace('_', ' ')}",
        "text": f"An example {column.replace('_', ' ')}.",
        "string[]": ["Example one", "Example two"],
        "integer": 2024,
        "float": 1.5,
        "boolean": False,
        "date": dt.date(2024, 1, 1),
        "url": "https://example.org/",
        "email": "someone@example.org",
    }
    return examples[spec.type]


def template(schema: Schema) -> bytes:
    """The workbook city staff fill in: a sheet per kind and the other sheets, a comment on every
    header, drop-downs for kinds, relation types, enums and booleans, and one filled example row
    on each sheet that loads as it is."""
    book = _empty_book()
    sheets = layouts(schema)
    lists = _lists(schema, sheets)
    lists_ws = book.create_sheet(LISTS_SHEET)
    refs: dict[str, str] = {}
    for number, (name, values) in enumerate(lists.items(), start=1):
        lists_ws.cell(row=1, column=number, value=name)
        for row, value in enumerate(values, start=2):
            _put(lists_ws, row, number, value)
        letter = get_column_letter(number)
        refs[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    lists_ws.sheet_state = "hidden"
    keys = {kind: f"example-{kind.lower()}" for kind in schema.node_kinds}
    keys["entities"] = "example-entity"
    example_rel = next(
        (r for r in schema.relation_types.values() if r.sources[0] != r.targets[0]),
        next(iter(schema.relation_types.values())),
    )
    personal_kind = next((k for k, spec in schema.node_kinds.items() if spec.personal_properties), None)
    for layout in sheets:
        ws = book.create_sheet(layout.name)
        comments = {c: column_description(schema, c, layout.kind, layout.role == "relations") for c in layout.columns}
        if layout.role == "contacts" and personal_kind:
            comments = {c: column_description(schema, c, personal_kind) for c in layout.columns}
        comments[layout.columns[0]] = f"{layout.description}\n\n{comments[layout.columns[0]]}"
        _header(ws, layout.columns, comments)
        example = {c: _example(schema, layout, c, keys) for c in layout.columns}
        if layout.role == "entities":
            kind = next(iter(schema.node_kinds))
            example = {
                c: (v if c in schema.kind_properties(kind) or c in PROVENANCE else None) for c, v in example.items()
            }
            example["kind"] = kind
        elif layout.role == "relations":
            example.update(start=keys[example_rel.sources[0]], type=example_rel.name, end=keys[example_rel.targets[0]])
            example["until"] = None
        elif layout.role == "contacts":
            example["key"] = keys.get(personal_kind or "")
        elif layout.role == "sources":
            example.update(record=keys[next(iter(schema.node_kinds))], section="Example section")
            example["quote"] = "An example sentence, quoted from the document."
        for number, column in enumerate(layout.columns, start=1):
            _put(ws, 2, number, example.get(column))
            spec = _spec(schema, layout, column)
            letter = get_column_letter(number)
            if column in refs and (column in ("kind", "type") or spec is not None):
                validation = DataValidation(
                    type="list", formula1=refs[column], allow_blank=True, showErrorMessage=True, showInputMessage=True
                )
                validation.error = f"Choose one of the listed values for {column}."
                validation.errorTitle = column
                validation.prompt = comments.get(column, "")[:255]
                ws.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
            elif spec is not None and spec.type == "date":
                for row in range(2, _TEMPLATE_ROWS + 2):
                    ws.cell(row=row, column=number).number_format = _DATE_FORMAT
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames) - 1)
    return _save(book)


# -- the graph -----------------------------------------------------------------------------------


def _first_source(sources: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    if not sources:
        return {}
    fields = {field: column for column, field in SOURCE_FIELDS.items()}
    return {fields.get(name, name): value for name, value in sources[0].items() if value is not None}


def graph_workbook(graph: nx.MultiDiGraph[str], schema: Schema, *, include_contacts: bool = False) -> bytes:
    """The graph as the loader's workbook: a sheet per kind, Relations, Sources (every source after a
    record's first), and Contacts only with `include_contacts`. Loading it gives the same graph."""
    book = _empty_book()
    by_role = {layout.role: layout for layout in layouts(schema)}
    extra_sources: list[tuple[str, Mapping[str, Any]]] = []
    contact_rows: list[dict[str, Any]] = []
    personal = schema.personal_property_names
    for kind in schema.node_kinds:
        layout = by_role[kind]
        ws = book.create_sheet(layout.name)
        _header(ws, layout.columns)
        nodes = sorted((k, d) for k, d in graph.nodes(data=True) if d.get("kind") == kind)
        for row, (key, data) in enumerate(nodes, start=2):
            sources = list(data.get("sources") or [])
            values = {**data, **_first_source(sources)}
            for number, column in enumerate(layout.columns, start=1):
                _put(ws, row, number, values.get(column))
            extra_sources += [(key, s) for s in sources[1:]]
            found = {name: data[name] for name in personal if data.get(name)}
            if found:
                contact_rows.append({"key": key, **found})
    layout = by_role["relations"]
    ws = book.create_sheet(layout.name)
    _header(ws, layout.columns)
    edges = sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[3].get("type", ""), e[1], str(e[2])))
    for row, (start, end, rel_key, data) in enumerate(edges, start=2):
        sources = list(data.get("sources") or [])
        values = {**data, **_first_source(sources), "start": start, "end": end, "key": str(rel_key)}
        for number, column in enumerate(layout.columns, start=1):
            _put(ws, row, number, values.get(column))
        extra_sources += [(str(rel_key), s) for s in sources[1:]]
    if include_contacts:
        layout = by_role["contacts"]
        ws = book.create_sheet(layout.name)
        _header(ws, layout.columns)
        for row, values in enumerate(contact_rows, start=2):
            for number, column in enumerate(layout.columns, start=1):
                _put(ws, row, number, values.get(column))
    layout = by_role["sources"]
    ws = book.create_sheet(layout.name)
    _header(ws, layout.columns)
    for row, (record, source) in enumerate(extra_sources, start=2):
        values = {"record": record, **_first_source([source])}
        for number, column in enumerate(layout.columns, start=1):
            _put(ws, row, number, values.get(column))
    return _save(book)


# -- question answers ----------------------------------------------------------------------------


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """A model as columns: nested models become `outer.inner`, lists of plain values one cell."""
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name in type(value).model_fields:
            out.update(_flat(getattr(value, name), f"{prefix}{name}."))
        return out
    if isinstance(value, list | tuple) and any(isinstance(v, BaseModel) for v in value):
        return {prefix[:-1]: "\n".join(", ".join(f"{k}={v}" for k, v in _flat(i).items() if v) for i in value)}
    return {prefix[:-1]: value}


def _rows(items: Iterable[Any]) -> list[dict[str, Any]]:
    """One row per item; an item with one list of models gets a row per element of that list (a
    partner matched through three themes: three rows, each saying why)."""
    rows = []
    for item in items:
        nested = [
            name
            for name in (type(item).model_fields if isinstance(item, BaseModel) else ())
            if isinstance(getattr(item, name), list) and any(isinstance(v, BaseModel) for v in getattr(item, name))
        ]
        if len(nested) == 1:
            inner = getattr(item, nested[0])
            outer = {k: v for k, v in _flat(item).items() if k != nested[0]}
            rows += [{**outer, **_flat(element, f"{nested[0]}.")} for element in inner]
        else:
            rows.append(_flat(item) if isinstance(item, BaseModel) else {"value": item})
    return rows


class _Group(BaseModel):
    group: str
    item: Any


def _title(name: str, used: set[str]) -> str:
    title = name.replace("_", " ").capitalize()[:MAX_SHEET_TITLE]
    while title in used:
        title = title[: MAX_SHEET_TITLE - 1] + "_"
    used.add(title)
    return title


def answer_workbook(answer: BaseModel, schema: Schema, *, include_personal: bool = False) -> bytes:
    """Any question's answer: a Question sheet with its scalar fields, and a sheet per list in it.
    Columns named like a personal property (email, phone) are left out unless `include_personal`."""
    personal = schema.personal_property_names

    def allowed(column: str) -> bool:
        return include_personal or column.rsplit(".", 1)[-1] not in personal

    book = _empty_book()
    summary = book.create_sheet("Question")
    _header(summary, ["field", "value"])
    used = {"Question"}
    row = 2
    for name in type(answer).model_fields:
        value = getattr(answer, name)
        if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
            # e.g. an entity's relations by type: one sheet, the dict's key as its first column
            value = [_Group(group=k, item=i) for k, items in value.items() for i in items]
        is_table = isinstance(value, list) and (not value or any(isinstance(v, BaseModel) for v in value))
        if not is_table:
            if allowed(name):
                _put(summary, row, 1, name)
                _put(summary, row, 2, value if not isinstance(value, dict) else str(value))
                row += 1
            continue
        ws = book.create_sheet(_title(name, used))
        rows = _rows(value)
        columns = [c for c in dict.fromkeys(c for r in rows for c in r) if allowed(c)] or ["(none)"]
        _header(ws, columns)
        for number, values in enumerate(rows, start=2):
            for column_number, column in enumerate(columns, start=1):
                _put(ws, number, column_number, values.get(column))
    return _save(book)
