"""Shared reading helpers for the file loaders: strict decoding, CSV tables with line numbers, typed
cells, name matching, and turning raw rows into records with errors that point at the file.

Every error names the file and line (`RecordError(record="<file> line <n>", field=<column>, …)`),
because users fix files, not stack traces. A problem with the whole file (encoding, binary, empty,
header) is one error at the line it was found; a bad row is an error for that row only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from graph.model import (
    KEY_PATTERN,
    NodeRecord,
    RecordError,
    RelationRecord,
    ValidationFailed,
    parse_node,
    parse_relation,
)
from graph.schema import Schema
from loaders.base import SourceRead

ARRAY_DELIMITER = ";"
MAX_FILE_BYTES = 200 * 1024 * 1024
_INTEGER = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOLEANS = {"true": True, "false": False}


def where(name: str, line: int) -> str:
    """How errors name a place in a file."""
    return f"{name} line {line}"


class FileError(Exception):
    """The file as a whole cannot be used: one error naming the file and line."""

    def __init__(self, error: RecordError):
        super().__init__(str(error))
        self.error = error


# -- decoding ------------------------------------------------------------------------------------


def read_text(path: Path, name: str | None = None) -> str:
    """The file's text, decoded strictly as UTF-8 (a BOM is accepted); FileError otherwise."""
    name = name or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError(RecordError(where(name, 1), "(file)", f"cannot read: {exc.strerror or exc}")) from exc
    if len(data) > MAX_FILE_BYTES:
        raise FileError(RecordError(where(name, 1), "(file)", f"larger than {MAX_FILE_BYTES // 2**20} MB"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(RecordError(where(name, 1), "(encoding)", "not UTF-8 (it is UTF-16): save it as UTF-8"))
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise FileError(RecordError(where(name, line), "(file)", "a binary file (NUL bytes), not text"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FileError(
            RecordError(
                where(name, line),
                "(encoding)",
                f"not UTF-8: byte 0x{data[exc.start]:02x} at character {column} (save the file as UTF-8)",
            )
        ) from exc
    if not text.strip():
        raise FileError(RecordError(where(name, 1), "(file)", "empty file"))
    return text


# -- CSV tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts (a quoted cell may span lines)
    cells: dict[str, str]  # column -> stripped text ("" when empty)


@dataclass(frozen=True)
class Table:
    name: str  # how errors name the file
    header: list[str]
    rows: list[Row]

    def at(self, row: Row) -> str:
        return where(self.name, row.line)


def read_table(path: Path, errors: list[RecordError], name: str | None = None) -> Table:
    """Read a CSV file with a header row. Rows with the wrong number of cells go to `errors`;
    problems with the whole file (encoding, quoting, header, no rows) raise FileError."""
    name = name or str(path)
    text = read_text(path, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[Row] = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells, name, start)
                continue
            if len(cells) != len(header):
                errors.append(_ragged(cells, header, where(name, start)))
                continue
            rows.append(Row(start, {col: cell.strip() for col, cell in zip(header, cells, strict=True)}))
    except csv.Error as exc:
        reason = "unterminated quote" if "end of data" in str(exc) else f"bad CSV: {exc}"
        raise FileError(RecordError(where(name, line), "(quoting)", reason)) from exc
    if header is None:
        raise FileError(RecordError(where(name, 1), "(file)", "empty file"))
    if not rows and not errors:
        raise FileError(RecordError(where(name, 1), "(rows)", "no rows: the file has a header but no data"))
    return Table(name, header, rows)


def _header(cells: list[str], name: str, line: int) -> list[str]:
    header = [cell.strip() for cell in cells]
    seen: set[str] = set()
    for number, column in enumerate(header, start=1):
        if not column:
            raise FileError(RecordError(where(name, line), f"column {number}", "the header has an empty column name"))
        if column in seen:
            raise FileError(RecordError(where(name, line), column, "the header repeats this column"))
        seen.add(column)
    return header


def _ragged(cells: list[str], header: list[str], at: str) -> RecordError:
    if len(cells) < len(header):
        missing = header[len(cells)]
        return RecordError(at, missing, f"the row has {len(cells)} cells, the header {len(header)} columns")
    return RecordError(
        at, f"column {len(header) + 1}", f"the row has {len(cells)} cells, the header only {len(header)} columns"
    )


def peek_header(path: Path) -> list[str]:
    """The first row of a CSV file, for format detection only: read leniently (a file in the wrong
    encoding is still recognised, so its loader can say what is wrong); [] if there is none."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return []
    try:
        with path.open("rb") as handle:
            head = handle.read(65_536)
    except OSError:
        return []
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    text = head.decode(encoding, errors="replace").replace("\x00", "")
    first = text.splitlines()[0] if text.strip() else ""
    try:
        return [cell.strip() for cell in next(csv.reader([first]), [])]
    except csv.Error:
        return []


# -- typed cells ---------------------------------------------------------------------------------

SCHEMA_TYPES = {"integer": "int", "float": "float", "boolean": "boolean", "date": "date", "string[]": "string[]"}


def split_list(text: str) -> list[str]:
    """A `;`-separated list cell; ValueError on empty items or a bracketed list."""
    if not text:
        return []
    if text.startswith("[") and text.endswith("]"):
        raise ValueError(f"bad array syntax {text[:40]!r}: write items separated by {ARRAY_DELIMITER!r}, no brackets")
    items = [item.strip() for item in text.split(ARRAY_DELIMITER)]
    if any(not item for item in items):
        raise ValueError(f"bad array syntax {text[:40]!r}: an empty item between {ARRAY_DELIMITER!r} separators")
    return items


def convert(text: str, type_name: str) -> Any:
    """A cell as the given type (neo4j-admin names: int, float, boolean, date, string, with [] for
    `;`-separated arrays); ValueError with a reason a user understands."""
    if type_name.endswith("[]"):
        return [convert(item, type_name[:-2]) for item in split_list(text)]
    if type_name in ("int", "long", "short", "byte"):
        if not _INTEGER.match(text):
            raise ValueError(f"not an integer: {text[:40]!r}")
        return int(text)
    if type_name in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"not a number: {text[:40]!r}") from None
    if type_name == "boolean":
        if text.casefold() not in _BOOLEANS:
            raise ValueError(f"not a boolean (true or false): {text[:40]!r}")
        return _BOOLEANS[text.casefold()]
    if type_name == "date":
        return iso_date(text)
    return text


def iso_date(text: str, expected: str = "yyyy-mm-dd") -> dt.date:
    """A day written yyyy-mm-dd; ValueError `not a date ({expected})` for anything else."""
    try:
        if not _DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date ({expected}): {text[:40]!r}") from None


def schema_type(schema: Schema, kind: str | None, prop: str) -> str:
    """The cell type a property needs, from the schema (kind None: a relation property)."""
    if kind is None:
        spec = schema.relation_properties.get(prop)
    else:
        spec = schema.kind_properties(kind).get(prop) if kind in schema.node_kinds else None
    return SCHEMA_TYPES.get(spec.type, "string") if spec else "string"


# -- names ---------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: casefold, strip combining marks ("Malmö" -> "malmo")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def slug(text: str) -> str:
    """A node key from a name: "Jan Vapaavuori" -> "jan-vapaavuori"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:128]


class Resolver:
    """Finds node keys for the keys or names users write in a cell (a contact's organisation, a
    Kumu connection's From/To): a key first, then a unique name or alias; then the `fallback`."""

    def __init__(self, known: Mapping[str, Iterable[str]] | None = None, fallback: Resolver | None = None):
        self.keys: set[str] = set()
        self.names: dict[str, set[str]] = {}
        self.fallback = fallback
        for key, names in (known or {}).items():
            self.add(key, names)

    def add(self, key: str, names: Iterable[str]) -> None:
        self.keys.add(key)
        for name in names:
            self.names.setdefault(" ".join(fold(name).split()), set()).add(key)

    def resolve(self, text: str) -> str:
        """The key `text` names; ValueError when it names none or several."""
        if text in self.keys:
            return text
        found = self.names.get(" ".join(fold(text).split()), set())
        if len(found) > 1:
            raise ValueError(f"{text!r} is ambiguous: it names {', '.join(sorted(found))}; use a key")
        if found:
            return next(iter(found))
        if self.fallback is not None:
            return self.fallback.resolve(text)
        if not re.match(KEY_PATTERN, text):
            raise ValueError(f"no node with key or name {text!r}")
        return text  # looks like a key: the cross-record check reports it if no such node exists


# -- rows to records -----------------------------------------------------------------------------


def _relabel(errors: Iterable[RecordError], at: str, columns: Mapping[str, str]) -> list[RecordError]:
    """Model errors name the record's label and a property; name the file line and the column."""
    out = []
    for error in errors:
        prop, _, rest = error.field.partition(".")
        column = columns.get(prop, prop)
        field = f"{column} (item {int(rest) + 1})" if rest.isdigit() else column
        out.append(RecordError(error.record if error.record.startswith(at) else at, field, error.reason))
    return out


@dataclass(frozen=True)
class RowOrigin:
    """A file row, the source of the records read from it when it names no source of its own."""

    table: Table
    row: Row
    hidden: frozenset[str] = frozenset()  # columns never quoted: personal contact fields

    def source(self) -> dict[str, Any]:
        cells = "; ".join(f"{h}: {v}" for h, v in self.row.cells.items() if v and h not in self.hidden)
        return {"doc": Path(self.table.name).name, "section": f"line {self.row.line}", "quote": cells or "(empty row)"}


def personal_columns(schema: Schema, columns: Mapping[str, str]) -> frozenset[str]:
    """The headers (of a property -> header map) that hold personal contact fields."""
    return frozenset(header for prop, header in columns.items() if prop in schema.personal_property_names)


_Record = TypeVar("_Record", NodeRecord, RelationRecord)


@dataclass(frozen=True)
class _RowAdder(Generic[_Record]):
    """Validate one row into `result` (its errors too, labelled by column; `columns` maps property
    -> column). A row that gives no sources gets its `origin` as its source."""

    parse: Callable[[Schema, Mapping[str, Any], str], _Record]
    records: Callable[[SourceRead], list[_Record]]  # where in the result the record goes

    def __call__(
        self,
        result: SourceRead,
        schema: Schema,
        raw: Mapping[str, Any],
        at: str,
        columns: Mapping[str, str] | None = None,
        origin: RowOrigin | None = None,
    ) -> _Record | None:
        if origin is not None and not raw.get("sources"):
            raw = {**raw, "sources": [origin.source()]}
        try:
            record = self.parse(schema, raw, at)
        except ValidationFailed as exc:
            result.errors.extend(_relabel(exc.errors, at, columns or {}))
            return None
        result.where[id(record)] = at
        self.records(result).append(record)
        return record


add_node = _RowAdder(parse_node, lambda result: result.batch.nodes)
add_relation = _RowAdder(parse_relation, lambda result: result.batch.relations)


def commit(result: SourceRead, row: SourceRead) -> None:
    """A row's records join the result only when the row has no error: a bad row is left out whole."""
    if row.errors:
        result.errors.extend(row.errors)
        return
    result.batch.extend(row.batch)
    result.where.update(row.where)
    result.columns.update(row.columns)
