"""Excel workbooks (.xlsx): the layout of `graph/spreadsheet.py`, as `partnergraph template` makes it.

One sheet per node kind (its columns are the kind's properties), an optional `Entities` sheet of
mixed kinds (with a `kind` column), a `Relations` sheet (start, type, end, relation properties), a
`Contacts` sheet (personal properties by node key) and a `Sources` sheet (more provenance by node or
relation key). Sheet and column names are the schema's, or their Finnish, Swedish or English
synonyms (`spreadsheet:` in schema.yaml). Every row may carry one source in its document, section
and quote columns; `document` = `manual` with no quote marks data entered by hand.

Cells are typed: date cells, TRUE/FALSE cells and numbers are read as such (text in the schema's
format works too), and lists are `;`-separated. Whatever a person could miss when checking a sheet
by eye is refused, not guessed at: formulas, merged cells, hidden sheets, rows and columns, error
values. Every error names the file, the sheet, the row, the field and the column letter.

Read with openpyxl (not python-calamine, which is faster but cannot tell a formula from its cached
value, nor show hidden rows and columns): it reads 10^4 rows in about 1.5 s, well inside the budget.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from graph.model import NodeRecord, RecordError, RelationRecord, Source, ValidationFailed, parse_node, parse_relation
from graph.schema import PropertySpec, Schema
from graph.spreadsheet import LISTS_SHEET, PROVENANCE, SOURCE_FIELDS, SheetLayout, layouts, property_spec
from loaders.base import LoadOptions, SourceRead, register
from loaders.csvutil import MAX_FILE_BYTES, FileError, commit, iso_date, split_list

MAX_ROWS = 100_000  # a sheet; more is a mistake or an attack, and one load that size needs a bigger heap
MAX_COLUMNS = 200
MAX_UNZIPPED_BYTES = 256 * 2**20  # a zip bomb is refused before openpyxl inflates it (10^5 rows: ~60 MB)
_INTEGER = re.compile(r"^[+-]?\d+$")
_BOOLEANS = {"true": True, "false": False}
_KEY_COLUMNS = frozenset({"key", "start", "end", "record"})


def place(file: str, sheet: str, row: int) -> str:
    """How errors name a row of a workbook."""
    return f"{file} sheet {sheet!r} row {row}"


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    header: str  # as written
    name: str  # the declared column (property or sheet column)

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def label(self) -> str:
        """How errors name the column: the field, the letter, and the header when it differs."""
        written = f' "{self.header}"' if self.header != self.name else ""
        return f"{self.name} (column {self.letter}{written})"


@dataclass
class Row:
    at: str  # place()
    number: int
    cells: dict[str, Any]  # declared column -> value (non-empty cells only)
    errors: list[RecordError] = field(default_factory=list)


@dataclass
class Sheet:
    title: str
    layout: SheetLayout
    columns: dict[str, Column]  # declared name -> column
    rows: list[Row]

    def label(self, name: str) -> str:
        column = self.columns.get(name)
        return column.label if column else f"{name} (no column)"

    def labels(self) -> dict[str, str]:
        return {name: column.label for name, column in self.columns.items()}


@register
class XlsxLoader:
    name: ClassVar[str] = "xlsx"
    description: ClassVar[str] = (
        "an Excel workbook: a sheet per kind, Relations, Contacts, Sources (see `partnergraph template`)"
    )

    def detect(self, path: Path) -> bool:
        return path.suffix.lower() == ".xlsx" and path.is_file()

    def read(self, path: Path, schema: Schema, options: LoadOptions) -> SourceRead:
        result = SourceRead(source=str(path))
        try:
            sheets = _read_workbook(path, str(path), schema, result.errors)
        except FileError as exc:
            result.errors.append(exc.error)
            return result
        _records(sheets, schema, options, result)
        return result


# -- the workbook --------------------------------------------------------------------------------


def _read_workbook(path: Path, name: str, schema: Schema, errors: list[RecordError]) -> list[Sheet]:
    def whole(reason: str, column: str = "(file)") -> FileError:
        return FileError(RecordError(f"{name} sheet - row 1", column, reason))

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise whole(f"cannot read: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise whole(f"larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise whole("not an .xlsx workbook (save it as Excel Workbook .xlsx)") from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise whole(f"unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
            book = load_workbook(path, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for broken archives
        raise whole(f"not a readable .xlsx workbook: {type(exc).__name__}") from exc
    sheets: list[Sheet] = []
    by_role = {layout.role: layout for layout in layouts(schema)}
    for ws in book.worksheets:
        if ws.title == LISTS_SHEET:
            continue  # the template's drop-down values
        at = place(name, ws.title, 1)
        if ws.sheet_state != "visible":
            errors.append(
                RecordError(at, "(sheet)", "the sheet is hidden: unhide it (or delete it) so its rows are seen")
            )
            continue
        role = schema.spreadsheet.sheet_for(ws.title)
        if role is None:
            known = ", ".join(layout.name for layout in by_role.values())
            errors.append(RecordError(at, "(sheet)", f"not a sheet of this layout; expected: {known}"))
            continue
        sheet = _read_sheet(ws, name, by_role[role], schema, errors)
        if sheet is not None:
            sheets.append(sheet)
    if not sheets and not errors:
        first = book.worksheets[0].title if book.worksheets else "-"
        expected = ", ".join(layout.name for layout in by_role.values())
        raise FileError(RecordError(place(name, first, 1), "(sheet)", f"missing sheets: none of {expected}"))
    if sheets and not any(sheet.rows for sheet in sheets) and not errors:
        raise FileError(RecordError(place(name, sheets[0].title, 2), "(rows)", "no rows: the sheets have no data"))
    return sheets


def _read_sheet(
    ws: Worksheet, name: str, layout: SheetLayout, schema: Schema, errors: list[RecordError]
) -> Sheet | None:
    title = ws.title
    if ws.max_row > MAX_ROWS + 1:
        errors.append(
            RecordError(
                place(name, title, MAX_ROWS + 2), "(sheet)", f"{ws.max_row:,} rows: at most {MAX_ROWS:,} a sheet"
            )
        )
        return None
    if ws.max_column > MAX_COLUMNS:
        errors.append(
            RecordError(place(name, title, 1), "(sheet)", f"{ws.max_column} columns: at most {MAX_COLUMNS} a sheet")
        )
        return None
    bad = len(errors)
    for merged in ws.merged_cells.ranges:
        errors.append(
            RecordError(
                place(name, title, merged.min_row),
                f"(column {get_column_letter(merged.min_col)})",
                f"merged cells {merged.coord}: unmerge them, each cell holds its own value",
            )
        )
    rows = ws.iter_rows(values_only=False)
    header_cells = next(rows, ())
    columns = _header(list(header_cells), name, title, layout, schema, errors)
    if columns is None or len(errors) > bad:
        return None
    # A hidden column's values are not seen when the sheet is checked by eye.
    hidden = {i for d in ws.column_dimensions.values() if d.hidden for i in range(d.min or 0, (d.max or 0) + 1)}
    hidden_columns = {c.name for c in columns.values() if c.index + 1 in hidden}
    by_index = {c.index: c for c in columns.values()}
    out: list[Row] = []
    for number, cells in enumerate(rows, start=2):  # iter_rows yields every row, empty ones too
        row = Row(place(name, title, number), number, {})
        for index, cell in enumerate(cells):
            value: Any = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            column = by_index.get(index)
            label = column.label if column else f"(column {get_column_letter(index + 1)})"
            if column is None:
                row.errors.append(RecordError(row.at, label, "a value in a column without a header"))
            elif cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
                formula = str(value.text if isinstance(value, ArrayFormula) else value)[:40]
                row.errors.append(RecordError(row.at, label, f"a formula ({formula}): type the value itself"))
            elif cell.data_type == "e":
                row.errors.append(RecordError(row.at, label, f"an error value {value!r}"))
            elif column.name in hidden_columns:
                row.errors.append(RecordError(row.at, label, "the column is hidden: unhide it"))
            else:
                row.cells[column.name] = value.strip() if isinstance(value, str) else value
        if not row.cells and not row.errors:
            continue
        if ws.row_dimensions[number].hidden:
            row.errors.append(RecordError(row.at, "(row)", "the row is hidden: unhide it"))
        out.append(row)
    return Sheet(title, layout, columns, out)


def _header(
    cells: list[Any], name: str, title: str, layout: SheetLayout, schema: Schema, errors: list[RecordError]
) -> dict[str, Column] | None:
    at = place(name, title, 1)
    while cells and (cells[-1].value is None or str(cells[-1].value).strip() == ""):
        cells.pop()
    columns: dict[str, Column] = {}
    for index, cell in enumerate(cells):
        letter = get_column_letter(index + 1)
        value = cell.value
        if value is None or not str(value).strip():
            errors.append(RecordError(at, f"(column {letter})", "the header has an empty column name"))
            continue
        if not isinstance(value, str):
            errors.append(RecordError(at, f"(column {letter})", f"the header {value!r} is not text"))
            continue
        header = value.strip()
        declared = schema.spreadsheet.column_for(header)
        if declared is None or declared not in layout.columns:
            errors.append(
                RecordError(
                    at,
                    f"{header} (column {letter})",
                    f"not a column of the {layout.name} sheet; expected: {', '.join(layout.columns)}",
                )
            )
            continue
        if declared in columns:
            errors.append(
                RecordError(at, f"{header} (column {letter})", f"means the same as column {columns[declared].letter}")
            )
            continue
        columns[declared] = Column(index, header, declared)
    required = {
        "relations": ("start", "type", "end"),
        "contacts": ("key",),
        "sources": ("record", "quote"),
        "entities": ("key", "kind"),
    }.get(layout.role, ("key",))
    for needed in required:
        if needed not in columns:
            errors.append(RecordError(at, f"{needed} (missing column)", "missing column"))
    return None if errors and any(e.record == at for e in errors) else columns


# -- cells ---------------------------------------------------------------------------------------


_NON_PROPERTY_TYPES = {"sentence": "integer", "entered_on": "date"}


def convert(value: Any, spec: PropertySpec | None, column: str) -> Any:
    """A cell as the schema's type for its column; ValueError with a reason a user understands."""
    kind = spec.type if spec else _NON_PROPERTY_TYPES.get(column, "string")
    if isinstance(value, dt.time):
        raise ValueError(f"a time of day ({value}), not a value of this column")
    if kind == "date":
        return _date(value)
    if kind == "integer":
        return _integer(value)
    if kind == "float":
        if isinstance(value, bool | dt.date):
            raise ValueError(f"not a number: {value!r}")
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"not a number: {str(value)[:40]!r}") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.casefold() in _BOOLEANS:
            return _BOOLEANS[value.casefold()]
        raise ValueError(f"not a boolean (TRUE or FALSE): {str(value)[:40]!r}")
    text = _text(value, column)
    return split_list(text) if kind == "string[]" else text


def _text(value: Any, column: str) -> str:
    if isinstance(value, bool):
        raise ValueError(f"a TRUE/FALSE cell, where {column} is text")
    if isinstance(value, dt.date):
        raise ValueError(f"a date cell ({value:%Y-%m-%d}), where {column} is text")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool | dt.date):
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    raise ValueError(f"not an integer: {str(value)[:40]!r}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise ValueError(f"a date and time ({value:%Y-%m-%d %H:%M}): the column holds a day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        raise ValueError(f"a number ({value}), not a date: format the cell as a date or write yyyy-mm-dd")
    return iso_date(str(value), "a date cell, or yyyy-mm-dd")


# -- rows to records -----------------------------------------------------------------------------


@dataclass
class _Extra:
    """A contacts or sources row waiting for the record it belongs to."""

    row: Row
    sheet: Sheet
    values: Any
    used: bool = False


def _typed(row: Row, sheet: Sheet, schema: Schema, kind: str | None, relation: bool) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for name, value in row.cells.items():
        if name in PROVENANCE or name == "kind":
            continue
        spec = property_spec(schema, name, kind, relation) if name not in _KEY_COLUMNS else None
        try:
            raw[name] = convert(value, spec, name)
        except ValueError as exc:
            row.errors.append(RecordError(row.at, sheet.label(name), str(exc)))
    return raw


def _source(row: Row, sheet: Sheet, schema: Schema, options: LoadOptions) -> Source | None:
    """The row's own source (document, section, quote, sentence; or for data entered by hand,
    entered by, entered on and source note), or None when it gives none."""
    cells = {name: row.cells[name] for name in PROVENANCE if name in row.cells}
    if not cells:
        return None
    data: dict[str, Any] = {}
    for name, value in cells.items():
        try:
            data[SOURCE_FIELDS.get(name, name)] = convert(value, None, name)
        except ValueError as exc:
            row.errors.append(RecordError(row.at, sheet.label(name), str(exc)))
            return None
    if not data.get("doc") and (data.get("quote") or not data.get("by")):
        if not options.document_id:
            row.errors.append(RecordError(row.at, sheet.label("document"), "required with a quote or section"))
            return None
        data["doc"] = options.document_id
    columns = {field: column for column, field in SOURCE_FIELDS.items()}
    try:
        return Source.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            if err["loc"]:
                name = columns.get(str(err["loc"][0]), str(err["loc"][0]))
                reason = "required" if err["type"] == "missing" else err["msg"]
                row.errors.append(RecordError(row.at, sheet.label(name), reason))
            else:  # the whole source: neither quoted nor a complete manual entry; name what is missing
                reason = str(err.get("ctx", {}).get("error", err["msg"]))
                manual = [columns[f] for f in ("by", "at", "note") if data.get(f)]
                missing = [columns[f] for f in ("by", "at", "note") if not data.get(f)]
                row.errors.append(RecordError(row.at, sheet.label(missing[0] if manual else "quote"), reason))
        return None


def _row_source(row: Row, sheet: Sheet, schema: Schema, file: str) -> Source:
    """A row that names no source is its own: the workbook, the sheet and row, the cells as written.
    Personal contact fields are never quoted."""
    skip = {*schema.personal_property_names, *PROVENANCE}
    cells = "; ".join(
        f"{sheet.columns[name].header}: {_cell_text(value)}"
        for name, value in row.cells.items()
        if name not in skip and name in sheet.columns
    )
    return Source(doc=Path(file).name, section=f"sheet {sheet.title!r} row {row.number}", quote=cells or "(empty row)")


def _cell_text(value: Any) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _relabel(failure: ValidationFailed, row: Row, sheet: Sheet, contact: _Extra | None) -> Iterator[RecordError]:
    """Model errors name a property: name the row and column (the contacts row for contact fields)."""
    for error in failure.errors:
        prop, _, rest = error.field.partition(".")
        if contact is not None and prop in contact.values:
            at, column = contact.row.at, contact.sheet.label(prop)
        else:
            at, column = row.at, sheet.label(prop)
        if rest.isdigit():
            column = f"{column} (item {int(rest) + 1})"
        yield RecordError(at, column, error.reason)


def _records(sheets: list[Sheet], schema: Schema, options: LoadOptions, result: SourceRead) -> None:
    contacts: dict[str, _Extra] = {}
    sources: dict[str, list[_Extra]] = {}
    for sheet in sheets:
        for row in sheet.rows:
            if sheet.layout.role == "contacts":
                _contact_row(row, sheet, contacts)
            elif sheet.layout.role == "sources":
                _sources_row(row, sheet, schema, options, sources)
    seen: dict[str, str] = {}
    for sheet in sheets:
        if sheet.layout.role in ("contacts", "sources"):
            continue
        for row in sheet.rows:
            out = SourceRead(source=result.source)
            if sheet.layout.role == "relations":
                _relation(row, sheet, schema, options, sources, seen, out)
            else:
                _node(row, sheet, schema, options, contacts, sources, seen, out)
            commit(result, out)
    _unused_extras(sheets, schema, contacts, sources, result)


def _unused_extras(
    sheets: list[Sheet],
    schema: Schema,
    contacts: dict[str, _Extra],
    sources: dict[str, list[_Extra]],
    result: SourceRead,
) -> None:
    """Contacts and Sources rows that no record of the workbook took: their errors, or why not."""
    roles = {sheet.layout.role for sheet in sheets}
    holders = [k for k, spec in schema.node_kinds.items() if spec.personal_properties]
    missing = "" if roles & {*holders, "entities"} else f" (it has no {' or '.join(holders)} sheet)"
    unused = [(key, extra, "key", f"no node with key {key!r} on the other sheets of this workbook{missing}")
              for key, extra in contacts.items() if not extra.used]  # fmt: skip
    unused += [(key, extra, "record", f"no node or relation with key {key!r} in this workbook")
               for key, extras in sources.items() for extra in extras if not extra.used]  # fmt: skip
    for _, extra, column, reason in unused:
        result.errors.extend(extra.row.errors)
        if not extra.row.errors:
            result.errors.append(RecordError(extra.row.at, extra.sheet.label(column), reason))


def _contact_row(row: Row, sheet: Sheet, contacts: dict[str, _Extra]) -> None:
    values: dict[str, Any] = {}
    for name, value in row.cells.items():
        try:
            values[name] = convert(value, None, name)
        except ValueError as exc:
            row.errors.append(RecordError(row.at, sheet.label(name), str(exc)))
    key = values.pop("key", None)
    if not key:
        row.errors.append(RecordError(row.at, sheet.label("key"), "required"))
        key = f"(row {row.number})"
    if key in contacts:
        first = contacts[key].row.at
        row.errors.append(RecordError(row.at, sheet.label("key"), f"duplicate key (first at {first})"))
        key = f"{key} (row {row.number})"
    contacts[key] = _Extra(row, sheet, values)


def _sources_row(
    row: Row, sheet: Sheet, schema: Schema, options: LoadOptions, sources: dict[str, list[_Extra]]
) -> None:
    record = row.cells.get("record")
    source = _source(row, sheet, schema, options)
    if record is None:
        row.errors.append(RecordError(row.at, sheet.label("record"), "required"))
    elif source is None and not row.errors:
        row.errors.append(RecordError(row.at, sheet.label("quote"), "required"))
    key = _text(record, "record") if record is not None else f"(row {row.number})"
    sources.setdefault(key, []).append(_Extra(row, sheet, source))


def _extra_sources(key: str, sources: dict[str, list[_Extra]], out: SourceRead) -> list[Source]:
    """The Sources sheet's rows for a record, in sheet order; their errors join the record's."""
    found = []
    for extra in sources.get(key, []):
        extra.used = True
        if extra.row.errors:
            out.errors.extend(extra.row.errors)
        else:
            found.append(extra.values)
    return found


def _kind(row: Row, sheet: Sheet, schema: Schema) -> str | None:
    if sheet.layout.kind is not None:
        return sheet.layout.kind
    text = row.cells.get("kind")
    if text is None:
        row.errors.append(RecordError(row.at, sheet.label("kind"), "required"))
        return None
    kind = schema.resolve_kind(str(text))
    if kind is None:
        expected = ", ".join(schema.node_kinds)
        row.errors.append(
            RecordError(row.at, sheet.label("kind"), f"unknown kind {text!r}; expected one of {expected}")
        )
        return None
    return kind


def _node(
    row: Row,
    sheet: Sheet,
    schema: Schema,
    options: LoadOptions,
    contacts: dict[str, _Extra],
    sources: dict[str, list[_Extra]],
    seen: dict[str, str],
    out: SourceRead,
) -> None:
    kind = _kind(row, sheet, schema)
    if kind is None:
        out.errors.extend(row.errors)
        return
    raw = _typed(row, sheet, schema, kind, relation=False)
    source = _source(row, sheet, schema, options)
    out.errors.extend(row.errors)
    key = raw.get("key")
    if not key:
        out.errors.append(RecordError(row.at, sheet.label("key"), "required"))
        return
    if key in seen:
        out.errors.append(RecordError(row.at, sheet.label("key"), f"duplicate key (first at {seen[key]})"))
        return
    seen[key] = row.at
    contact = contacts.get(key)
    if contact is not None:
        contact.used = True
        out.errors.extend(contact.row.errors)
        raw.update(contact.values)
    raw["kind"] = kind
    found = ([source] if source else []) + _extra_sources(key, sources, out)
    raw["sources"] = [s.model_dump(exclude_none=True) for s in found or [_row_source(row, sheet, schema, out.source)]]
    if out.errors:
        return
    try:
        node: NodeRecord = parse_node(schema, raw, row.at)
    except ValidationFailed as exc:
        out.errors.extend(_relabel(exc, row, sheet, contact))
        return
    out.batch.nodes.append(node)
    out.where[id(node)] = row.at
    # On a kind's sheet the sheet is the kind: a clash of kinds is the key's.
    out.columns[row.at] = {"kind": sheet.label("key"), **sheet.labels()}


def _relation(
    row: Row,
    sheet: Sheet,
    schema: Schema,
    options: LoadOptions,
    sources: dict[str, list[_Extra]],
    seen: dict[str, str],
    out: SourceRead,
) -> None:
    raw = _typed(row, sheet, schema, None, relation=True)
    source = _source(row, sheet, schema, options)
    out.errors.extend(row.errors)
    if "type" in raw:
        raw["type"] = schema.resolve_type(raw["type"]) or raw["type"]
    for needed in ("start", "type", "end"):
        if not raw.get(needed):
            out.errors.append(RecordError(row.at, sheet.label(needed), "required"))
    if out.errors:
        return
    raw["sources"] = [source.model_dump(exclude_none=True)] if source else []
    try:
        relation: RelationRecord = parse_relation(schema, raw, row.at)
    except ValidationFailed as exc:
        out.errors.extend(_relabel(exc, row, sheet, None))
        return
    marker = f"relation {relation.key}"
    if marker in seen:
        out.errors.append(RecordError(row.at, sheet.label("end"), f"duplicate relation (first at {seen[marker]})"))
        return
    seen[marker] = row.at
    extra = _extra_sources(relation.key, sources, out)
    if out.errors:
        return
    if extra or not relation.sources:
        found = (*relation.sources, *extra) or (_row_source(row, sheet, schema, out.source),)
        relation = relation.model_copy(update={"sources": found})
    out.batch.relations.append(relation)
    out.where[id(relation)] = row.at
    out.columns[row.at] = sheet.labels()
