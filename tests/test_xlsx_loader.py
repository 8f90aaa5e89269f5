"""Excel workbooks in: a good workbook (synonym headers, typed cells, lists, provenance, contacts,
extra sources), and broken ones built here with openpyxl. Every error names the file, sheet, row,
field and column; a broken workbook writes nothing, not even its good rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Backend
from openpyxl import Workbook
from test_loaders_bad_input import BASE, state
from typer.testing import CliRunner

from graph.model import ValidationFailed
from graph.store import GraphStore
from loaders.base import LoadOptions
from loaders.pipeline import load
from loaders.xlsx import MAX_ROWS
from partnergraph.cli import app

Sheets = dict[str, list[list[Any]]]
CITY = ["key", "name_en", "capital"]
ESPOO = ["espoo", "Espoo", False]  # a good row first: it must not be written either
RELS = ["start", "type", "end", "since"]


def workbook(path: Path, sheets: Sheets, edit: Callable[[Workbook], None] | None = None) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    if edit is not None:
        edit(book)
    book.save(path)
    return path


def good_sheets() -> Sheets:
    return {
        # Finnish sheet and column names, typed cells, a list, a row source and a manual entry
        "Kaupungit": [
            [
                "tunniste",
                "nimi suomeksi",
                "Name",
                "muut nimet",
                "maa",
                "pääkaupunki",
                "asiakirja",
                "luku",
                "lainaus",
                "kirjaaja",
                "kirjattu",
                "lähdehuomautus",
            ],
            [
                "espoo",
                "Espoo",
                "Espoo",
                "Esbo; Espoon",
                "Finland",
                False,
                "memo",
                "2. Cities",
                "Espoo is a partner.",
                None,
                None,
                None,
            ],
            [
                "vantaa",
                "Vantaa",
                None,
                None,
                "Finland",
                "FALSE",
                "manual",
                None,
                None,
                "Aino Aalto",
                dt.datetime(2026, 11, 30),
                "Agreed at the Vantaa meeting.",
            ],
        ],
        "Initiative": [["key", "name_en", "year", "initiative_type"], ["sprint", "Sprint", 2024, "project"]],
        "Person": [["key", "name_en", "title_en"], ["aino", "Aino Aalto", "Coordinator"]],
        # Swedish names for the relations sheet and its columns; a date cell and a date as text
        "Relationer": [
            ["från", "relationstyp", "till", "sedan", "till och med", "roll", "grund", "anmärkning"],
            ["espoo", "partner of", "helsinki", dt.datetime(2020, 5, 1), "2030-12-31", "twin city", "stated", None],
            ["aino", "WORKS_FOR", "espoo", None, None, None, "inferred", "From her e-mail signature."],
            ["espoo", "LEADS", "sprint", None, None, None, None, None],
        ],
        "Contacts": [["key", "email", "phone"], ["aino", "aino@example.org", "+358 9 123"]],
        "Sources": [
            ["record", "document", "section", "quote", "sentence"],
            ["espoo", "memo", "3. More", "Espoo again.", 2],
            ["espoo|LEADS|sprint", "memo", None, "Espoo leads the sprint.", None],
        ],
    }


@pytest.fixture
def preloaded(store: GraphStore) -> GraphStore:
    load(store, BASE)
    return store


def test_a_good_workbook_loads_with_types_lists_provenance_and_contacts(preloaded: GraphStore, tmp_path: Path) -> None:
    path = workbook(tmp_path / "partners.xlsx", good_sheets())
    report = load(preloaded, [(path, None)])
    assert report.skipped == []
    graph = preloaded.snapshot()
    espoo = graph.nodes["espoo"]
    assert (espoo["kind"], espoo["name_fi"], espoo["aliases"], espoo["capital"]) == (
        "City", "Espoo", ["Esbo", "Espoon"], False
    )  # fmt: skip
    assert espoo["sources"] == [
        {"doc": "memo", "section": "2. Cities", "quote": "Espoo is a partner."},
        {"doc": "memo", "section": "3. More", "quote": "Espoo again.", "sentence": 2},
    ]
    assert graph.nodes["vantaa"]["sources"] == [
        {"doc": "manual", "by": "Aino Aalto", "at": "2026-11-30", "note": "Agreed at the Vantaa meeting."}
    ]
    # A row naming no source is its own source: the workbook, the sheet and row, the cells as written.
    assert graph.nodes["sprint"]["sources"] == [
        {
            "doc": "partners.xlsx",
            "section": "sheet 'Initiative' row 2",
            "quote": "key: sprint; name_en: Sprint; year: 2024; initiative_type: project",
        }
    ]
    assert graph.nodes["vantaa"]["name_fi"] == "Vantaa" and graph.nodes["sprint"]["year"] == 2024
    partner = graph.edges["espoo", "helsinki", "espoo|PARTNER_OF|helsinki"]
    assert (partner["since"], partner["until"], partner["basis"]) == (
        dt.date(2020, 5, 1),
        dt.date(2030, 12, 31),
        "stated",
    )
    assert graph.edges["aino", "espoo", "aino|WORKS_FOR|espoo"]["basis"] == "inferred"
    assert graph.edges["espoo", "sprint", "espoo|LEADS|sprint"]["sources"] == [
        {"doc": "memo", "quote": "Espoo leads the sprint."}
    ]
    assert "email" not in graph.nodes["aino"]  # personal data stays on the contact card
    cards = {row["key"]: row for row in preloaded.read("contacts_for_export")}
    assert (cards["aino"]["email"], cards["aino"]["phone"]) == ("aino@example.org", "+358 9 123")


def test_dry_run_writes_nothing(preloaded: GraphStore, tmp_path: Path) -> None:
    path = workbook(tmp_path / "partners.xlsx", good_sheets())
    before = state(preloaded)
    report = load(preloaded, [(path, None)], dry_run=True)
    assert report.dry_run and report.records == 7  # 4 nodes and 3 relations
    assert state(preloaded) == before


def test_skip_bad_rows_loads_the_good_rows_and_names_the_bad(preloaded: GraphStore, tmp_path: Path) -> None:
    sheets: Sheets = {
        "City": [CITY, ESPOO, ["vantaa", "Vantaa", "maybe"], ["kerava", "Kerava", True], ["", "Nameless", None]],
        "Relations": [RELS, ["espoo", "PARTNER_OF", "helsinki", "2020-01-01"], ["kerava", "PARTNER_OF", "atlantis"]],
    }
    path = workbook(tmp_path / "mixed.xlsx", sheets)
    report = load(preloaded, [(path, None)], LoadOptions(skip_bad_rows=True))
    where = sorted((e.record.split(" (")[0].rsplit(" ", 1)[1], e.field) for e in report.skipped)
    assert where == [("3", "capital (column C)"), ("3", "end (column C)"), ("5", "key (column A)")]
    graph = preloaded.snapshot()
    assert {"espoo", "kerava"} <= set(graph) and "vantaa" not in graph
    assert graph.has_edge("espoo", "helsinki")


def test_the_cli_loads_a_workbook_and_dry_runs_it(preloaded: GraphStore, tmp_path: Path, cli_on_backend: None) -> None:
    path = workbook(tmp_path / "partners.xlsx", good_sheets())
    runner = CliRunner()
    result = runner.invoke(app, ["load", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "espoo" not in preloaded.snapshot()
    broken = workbook(tmp_path / "broken.xlsx", {"City": [CITY, ESPOO, ["vantaa", "Vantaa", "maybe"]]})
    result = runner.invoke(app, ["load", str(broken)])
    assert result.exit_code == 1
    assert "sheet 'City' row 3: capital (column C): not a boolean" in " ".join(result.output.split())
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 0, result.output
    assert "espoo" in preloaded.snapshot()


# -- broken workbooks ----------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    sheets: Sheets
    sheet: str  # the sheet the error names
    row: int
    field: str  # how the error names the field and column, e.g. "name_en (column B)" or "(sheet)"
    reason: str
    edit: Callable[[Workbook], None] | None = None


def _merge(book: Workbook) -> None:
    book["City"].merge_cells("B3:C3")


def _hide_sheet(book: Workbook) -> None:
    book["Network"].sheet_state = "hidden"


def _huge(book: Workbook) -> None:
    book["City"].cell(row=MAX_ROWS + 5, column=1, value="far-down")


def _hide_row(book: Workbook) -> None:
    book["City"].row_dimensions[3].hidden = True


def _hide_column(book: Workbook) -> None:
    book["City"].column_dimensions["C"].hidden = True


def _formula(book: Workbook) -> None:
    book["City"]["B3"] = "=UPPER(A3)"


def _error_value(book: Workbook) -> None:
    book["City"]["C3"] = "#DIV/0!"


def _text_formula(book: Workbook) -> None:
    book["City"]["B3"].value = '=HYPERLINK("http://evil.example","x")'
    book["City"]["B3"].data_type = "s"  # a text cell holding a formula: armed in the next export


CASES = [
    # sheets
    Case("unknown-sheet", {"City": [CITY, ESPOO], "Planets": [CITY]}, "Planets", 1, "(sheet)", "not a sheet of"),
    Case(
        "missing-sheet",
        {"Contacts": [["key", "email"], ["aino", "aino@example.org"]]},
        "Contacts",
        2,
        "key (column A)",
        "it has no Person sheet",
    ),
    Case("no-rows", {"City": [CITY]}, "City", 2, "(rows)", "no rows"),
    Case(
        "hidden-sheet",
        {"City": [CITY, ESPOO], "Network": [["key", "name_en"], ["c40", "C40"]]},
        "Network",
        1,
        "(sheet)",
        "the sheet is hidden",
        _hide_sheet,
    ),
    Case("huge-sheet", {"City": [CITY, ESPOO]}, "City", MAX_ROWS + 2, "(sheet)", "at most 100,000", _huge),
    # headers
    Case(
        "unknown-column",
        {"City": [[*CITY, "population"], [*ESPOO, 300_000]]},
        "City",
        1,
        "population (column D)",
        "not a column of the City sheet",
    ),
    Case(
        "column-of-another-kind",
        {"Network": [["key", "name_en", "capital"], ["c40", "C40", True]]},
        "Network",
        1,
        "capital (column C)",
        "not a column of the Network sheet",
    ),
    Case(
        "synonym-repeats-a-column",
        {"City": [["key", "name_en", "Name"], ["espoo", "Espoo", "Esbo"]]},
        "City",
        1,
        "Name (column C)",
        "means the same as column B",
    ),
    Case("missing-key-column", {"City": [["name_en"], ["Espoo"]]}, "City", 1, "key (missing column)", "missing"),
    Case("value-without-header", {"City": [CITY, [*ESPOO, "stray"]]}, "City", 2, "(column D)", "without a header"),
    # cells
    Case("merged-cells", {"City": [CITY, ESPOO, ["vantaa", "Vantaa"]]}, "City", 3, "(column B)", "merged", _merge),
    Case(
        "formula",
        {"City": [CITY, ESPOO, ["vantaa", "x", True]]},
        "City",
        3,
        "name_en (column B)",
        "a formula",
        _formula,
    ),
    Case(
        "formula-as-text",
        {"City": [CITY, ESPOO, ["evil", "x", True]]},
        "City",
        3,
        "name_en (column B)",
        "looks like a spreadsheet formula",
        _text_formula,
    ),
    Case(
        "error-value",
        {"City": [CITY, ESPOO, ["vantaa", "Vantaa", 1]]},
        "City",
        3,
        "capital (column C)",
        "an error value",
        _error_value,
    ),
    Case("hidden-row", {"City": [CITY, ESPOO, ["vantaa", "Vantaa", True]]}, "City", 3, "(row)", "hidden", _hide_row),
    Case(
        "hidden-column",
        {"City": [CITY, ESPOO, ["vantaa", "Vantaa", True]]},
        "City",
        2,
        "capital (column C)",
        "the column is hidden",
        _hide_column,
    ),
    Case("empty-key", {"City": [CITY, ESPOO, [None, "Vantaa", True]]}, "City", 3, "key (column A)", "required"),
    Case("duplicate-key", {"City": [CITY, ESPOO, ESPOO]}, "City", 3, "key (column A)", "duplicate key (first at"),
    # A manual entry says who entered the fact, when and how it is known: none of the three may be left out.
    Case(
        "manual-entry-without-date",
        {"City": [[*CITY, "document", "entered_by", "source_note"], [*ESPOO, "manual", "Aino", "At the meeting."]]},
        "City",
        2,
        "entered_on (no column)",
        "no quote, nor at",
    ),
    Case(
        "manual-entry-bad-date",
        {"City": [[*CITY, "entered_by", "entered_on", "source_note"], [*ESPOO, "Aino", "last week", "At a meeting."]]},
        "City",
        2,
        "entered_on (column E)",
        "not a date",
    ),
    Case(
        "duplicate-key-across-sheets",
        {"City": [CITY, ESPOO], "Network": [["key", "name_en"], ["espoo", "Espoo network"]]},
        "Network",
        2,
        "key (column A)",
        "duplicate key (first at",
    ),
    Case(
        "bad-key",
        {"City": [CITY, ESPOO, ["Bad Key!", "Bad", True]]},
        "City",
        3,
        "key (column A)",
        "did you mean 'bad-key'?",
    ),
    Case(
        "bad-boolean",
        {"City": [CITY, ESPOO, ["vantaa", "Vantaa", "yes"]]},
        "City",
        3,
        "capital (column C)",
        "not a boolean",
    ),
    Case(
        "date-in-a-text-column",
        {"City": [CITY, ESPOO, ["vantaa", dt.datetime(2020, 1, 1), True]]},
        "City",
        3,
        "name_en (column B)",
        "a date cell",
    ),
    Case(
        "bad-integer",
        {"Initiative": [["key", "name_en", "year"], ["x", "X", 2019.5]]},
        "Initiative",
        2,
        "year (column C)",
        "not an integer",
    ),
    Case(
        "bad-enum",
        {"Organisation": [["key", "name_en", "org_type"], ["x", "X", "bank"]]},
        "Organisation",
        2,
        "org_type (column C)",
        "Input should be",
    ),
    Case(
        "empty-list-item",
        {"City": [["key", "name_en", "aliases"], ["espoo", "Espoo", "Esbo;;Espoon"]]},
        "City",
        2,
        "aliases (column C)",
        "bad array syntax",
    ),
    Case(
        "oversized-text",
        {"City": [CITY, ESPOO, ["vantaa", "V" * 1_001, True]]},
        "City",
        3,
        "name_en (column B)",
        "at most 1000 characters",
    ),
    Case(
        "wrong-kind",
        {"Entities": [["key", "kind", "name_en"], ["espoo", "City", "Espoo"], ["pluto", "Planet", "Pluto"]]},
        "Entities",
        3,
        "kind (column B)",
        "unknown kind 'Planet'",
    ),
    Case(
        "kind-clash-with-the-store",
        {"Organisation": [["key", "name_en"], ["helsinki", "Helsinki Ltd"]]},
        "Organisation",
        2,
        "key (column A)",
        "key already exists as a City",
    ),
    # relations
    Case(
        "bad-date",
        {"Relations": [RELS, ["helsinki", "PARTNER_OF", "tallinn", "31.12.2020"]]},
        "Relations",
        2,
        "since (column D)",
        "not a date",
    ),
    Case(
        "date-as-a-number",
        {"Relations": [RELS, ["helsinki", "PARTNER_OF", "tallinn", 43_000]]},
        "Relations",
        2,
        "since (column D)",
        "format the cell as a date",
    ),
    Case(
        "date-with-a-time",
        {"Relations": [RELS, ["helsinki", "PARTNER_OF", "tallinn", dt.datetime(2020, 1, 1, 12, 30)]]},
        "Relations",
        2,
        "since (column D)",
        "a date and time",
    ),
    Case(
        "unknown-relation-type",
        {"Relations": [RELS, ["helsinki", "FRIENDS_WITH", "tallinn"]]},
        "Relations",
        2,
        "type (column B)",
        "unknown relation type",
    ),
    Case(
        "relation-to-a-missing-key",
        {"City": [CITY, ESPOO], "Relations": [RELS, ["espoo", "PARTNER_OF", "atlantis"]]},
        "Relations",
        2,
        "end (column C)",
        "no node with key 'atlantis'",
    ),
    Case(
        "relation-between-wrong-kinds",
        {"Relations": [RELS, ["eurocities", "MEMBER_OF", "helsinki"]]},
        "Relations",
        2,
        "type (column B)",
        "MEMBER_OF does not go from Network to City",
    ),
    Case(
        "duplicate-relation",
        {"Relations": [RELS, ["helsinki", "PARTNER_OF", "tallinn"], ["tallinn", "partner of", "helsinki"]]},
        "Relations",
        3,
        "end (column C)",
        "duplicate relation",
    ),
    # contacts and sources
    Case(
        "bad-email",
        {"Person": [["key", "name_en"], ["aino", "Aino"]], "Contacts": [["key", "email"], ["aino", "aino(at)x.org"]]},
        "Contacts",
        2,
        "email (column B)",
        "should match pattern",
    ),
    Case(
        "quote-without-document",
        {"City": [[*CITY, "quote"], [*ESPOO, "Espoo is a partner."]]},
        "City",
        2,
        "document (no column)",
        "required with a quote",
    ),
    Case(
        "source-for-an-unknown-record",
        {"City": [CITY, ESPOO], "Sources": [["record", "document", "quote"], ["atlantis", "memo", "It sank."]]},
        "Sources",
        2,
        "record (column A)",
        "no node or relation with key 'atlantis'",
    ),
]


@pytest.fixture
def unchanged(backend: Backend) -> Iterator[GraphStore]:
    """The preloaded store, loaded once and reused while the tests using it leave it unchanged."""
    if backend.contents != "xlsx-bad-input":
        backend.store.clear()
        load(backend.store, BASE)
    backend.contents = None  # dirty until the test has proved that it changed nothing
    yield backend.store


def test_there_are_enough_kinds_of_broken_workbook() -> None:
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_workbook_names_sheet_row_column_and_writes_nothing(
    unchanged: GraphStore, backend: Backend, tmp_path: Path, case: Case
) -> None:
    before = state(unchanged)
    assert before[0].total_nodes == 8  # the fixture really holds something to protect
    path = workbook(tmp_path / "broken.xlsx", case.sheets, case.edit)
    with pytest.raises(ValidationFailed) as failure:
        load(unchanged, [(path, None)])
    at = f"broken.xlsx sheet {case.sheet!r} row {case.row}"
    matching = [e for e in failure.value.errors if at in e.record and e.field == case.field]
    assert matching, f"no error at {at}, {case.field!r}:\n{failure.value}"
    assert any(case.reason in e.reason for e in matching), f"expected {case.reason!r}:\n{failure.value}"
    assert at in str(failure.value)  # what the CLI prints names the sheet and row too
    assert state(unchanged) == before
    backend.contents = "xlsx-bad-input"


def test_a_file_that_is_not_a_workbook(preloaded: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("key,name\nespoo,Espoo\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"fake.xlsx sheet - row 1: \(file\): not an .xlsx workbook"):
        load(preloaded, [(path, None)])


def test_the_schema_refuses_ambiguous_or_unknown_spreadsheet_names() -> None:
    import copy

    import yaml

    from graph.schema import SCHEMA_PATH, SchemaError, parse_schema

    raw = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    clash = copy.deepcopy(raw)
    clash["spreadsheet"]["columns"]["country"]["fi"].append("Nimi")  # already name_fi's Finnish name
    with pytest.raises(SchemaError, match="'nimi' would mean both 'country' and 'name_fi'"):
        parse_schema(clash)
    unknown = copy.deepcopy(raw)
    unknown["spreadsheet"]["sheets"]["Planet"] = {"en": ["Planets"]}
    with pytest.raises(SchemaError, match=r"spreadsheet\.sheets\.Planet: neither a node kind"):
        parse_schema(unknown)
    language = copy.deepcopy(raw)
    language["spreadsheet"]["columns"]["year"]["de"] = ["Jahr"]
    with pytest.raises(SchemaError, match="unknown entries"):
        parse_schema(language)


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_read(
    preloaded: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import loaders.xlsx

    path = workbook(tmp_path / "bomb.xlsx", {"City": [CITY, ESPOO]})
    monkeypatch.setattr(loaders.xlsx, "MAX_UNZIPPED_BYTES", 2**10)  # a real bomb is slow to build
    before = state(preloaded)
    with pytest.raises(ValidationFailed, match=r"bomb.xlsx sheet - row 1: \(file\): unpacks to more than"):
        load(preloaded, [(path, None)])
    assert state(preloaded) == before
