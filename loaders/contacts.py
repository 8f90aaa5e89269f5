"""Contact lists: one person a row, with the organisation they work for and what they answer for.

Columns: `name` (required), `key` (default: a slug of the name), `organisation` (the key or name of
a stored or co-loaded organisation or city: WORKS_FOR), `title` (or `title_en` / `title_fi`),
`email`, `phone`, `contact_for` (`;`-separated keys or names: CONTACT_FOR) and `owns`
(`;`-separated network keys or names: OWNS_MEMBERSHIP), each the type of its role in the schema
(`employment`, `direct_contact`, `membership_owner`). Email and phone are personal data: the
store keeps them on the person's ContactCard, never on the entity, so only the contacts questions
can read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from graph.model import RecordError
from graph.schema import Schema
from loaders import csvutil
from loaders.base import LoadOptions, SourceRead, register
from loaders.csvutil import FileError, Resolver, Row, RowOrigin, Table

# column -> Person property
_PROPERTIES = {
    "key": "key",
    "name": "name_en",
    "title": "title_en",
    "title_en": "title_en",
    "title_fi": "title_fi",
    "email": "email",
    "phone": "phone",
}
# column -> the role of its relation type in the schema, and whether the cell holds a `;`-separated list
_RELATIONS = {
    "organisation": ("employment", False),
    "contact_for": ("direct_contact", True),
    "owns": ("membership_owner", True),
}
_SPELLINGS = {"organization": "organisation"}


@register
class ContactsLoader:
    name: ClassVar[str] = "contacts"
    description: ClassVar[str] = "a contacts CSV (name, organisation, title, email, phone, contact_for, owns)"
    uses_known_entities: ClassVar[bool] = True

    def detect(self, path: Path) -> bool:
        header = {c.casefold() for c in csvutil.peek_header(path)}
        contacts = {"email", "phone", "organisation", "organization", "contact_for", "owns"}
        return "name" in header and bool(header & contacts) and not any(":" in c for c in header)

    def read(self, path: Path, schema: Schema, options: LoadOptions) -> SourceRead:
        result = SourceRead(source=str(path))
        try:
            table = csvutil.read_table(path, result.errors)
            columns = _columns(table)
        except FileError as exc:
            result.errors.append(exc.error)
            return result
        resolver = Resolver(options.known_entities)
        for row in table.rows:
            csvutil.commit(result, _row(row, table, columns, schema, resolver))
        return result


def _columns(table: Table) -> dict[str, str]:
    """Our column name -> the header's spelling; FileError for a missing or unknown column."""
    columns: dict[str, str] = {}
    for header in table.header:
        name = _SPELLINGS.get(header.casefold(), header.casefold())
        if name not in _PROPERTIES and name not in _RELATIONS:
            known = ", ".join([*_PROPERTIES, *_RELATIONS])
            raise FileError(
                RecordError(csvutil.where(table.name, 1), header, f"not a contacts column; expected: {known}")
            )
        columns[name] = header
    if "name" not in columns:
        raise FileError(RecordError(csvutil.where(table.name, 1), "name", "missing column"))
    return columns


def _row(row: Row, table: Table, columns: dict[str, str], schema: Schema, resolver: Resolver) -> SourceRead:
    out = SourceRead(source=table.name)
    at = table.at(row)
    raw: dict[str, Any] = {"kind": schema.kind_with_role("person")}
    for name, header in columns.items():
        if name in _PROPERTIES:
            raw[_PROPERTIES[name]] = row.cells[header]
    if not raw["name_en"]:
        out.errors.append(RecordError(at, columns["name"], "required"))
        return out
    raw["name_fi"] = raw["name_en"]  # a person's name is the same in both languages
    if not raw.get("key"):
        raw["key"] = csvutil.slug(raw["name_en"])
        if not raw["key"]:
            out.errors.append(RecordError(at, columns["name"], "cannot make a key of this name; add a key column"))
            return out
    props = {prop: columns.get(name, name) for name, prop in _PROPERTIES.items() if name in columns}
    origin = RowOrigin(table, row, csvutil.personal_columns(schema, props))
    node = csvutil.add_node(out, schema, raw, at, props, origin)
    for name, (role, is_list) in _RELATIONS.items():
        column = columns.get(name)
        if column is None or not row.cells[column]:
            continue
        cell = row.cells[column]
        try:
            targets = [resolver.resolve(t) for t in (csvutil.split_list(cell) if is_list else [cell])]
        except ValueError as exc:
            out.errors.append(RecordError(at, column, str(exc)))
            continue
        for target in targets:
            if node is not None:
                raw_relation = {"start": node.key, "type": schema.type_with_role(role), "end": target}
                csvutil.add_relation(out, schema, raw_relation, at, {"end": column}, origin)
    return out
