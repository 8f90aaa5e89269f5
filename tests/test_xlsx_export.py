"""Excel workbooks out: the template (its drop-downs read back from the workbook), the graph export
and its round trip through the loader on every database, question answers, and contact fields only
for the roles that may see them (CLI, API, explorer)."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from test_api_support import KEYS, PLANTED_EMAIL, PLANTED_PHONE, Clients
from typer.testing import CliRunner

from graph.model import Batch, parse_node, parse_relation
from graph.schema import SCHEMA_PATH, Schema, load_schema, parse_schema
from graph.spreadsheet import LISTS_SHEET, layouts
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load
from partnergraph.access import Role
from partnergraph.cli import app
from partnergraph.commands.export import export_graph
from viz.xlsx import MEDIA_TYPE, graph_workbook, template

PERSON = "planted-person"


def book_of(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def cells(content: bytes) -> list[str]:
    """Every cell of every sheet, as text: what a contact-field leak would show up in."""
    book = book_of(content)
    return [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]


def dropdowns(book: Workbook, ws: Worksheet) -> dict[str, list[str]]:
    """Column header -> the values its list validation offers, resolved from the lists sheet."""
    headers = {get_column_letter(cell.column): str(cell.value) for cell in ws[1] if cell.column is not None}
    out: dict[str, list[str]] = {}
    for validation in ws.data_validations.dataValidation:
        assert validation.type == "list"
        sheet_name, _, ref = validation.formula1.partition("!")
        assert sheet_name.strip("'") == LISTS_SHEET
        source = book[LISTS_SHEET]
        values = [c.value for row in source[ref.replace("$", "")] for c in row]
        for cell_range in validation.sqref.ranges:
            assert cell_range.min_row == 2 and cell_range.max_row >= 1_000  # rows to fill in, not the header
            out[headers[cell_range.coord.split(":")[0].rstrip("0123456789")]] = [str(v) for v in values]
    return out


def expected_dropdowns(schema: Schema, kind: str | None, relations: bool = False) -> dict[str, list[str]]:
    props = schema.relation_properties if relations else (schema.kind_properties(kind) if kind else {})
    out = {n: list(p.enum) for n, p in props.items() if p.enum}
    out.update({n: ["TRUE", "FALSE"] for n, p in props.items() if p.type == "boolean"})
    return out


def check_template(content: bytes, schema: Schema) -> None:
    book = book_of(content)
    assert book[LISTS_SHEET].sheet_state == "hidden"
    for layout in layouts(schema):
        ws = book[layout.name]
        assert [c.value for c in ws[1]] == list(layout.columns)
        assert all(c.comment is not None and c.comment.text for c in ws[1]), layout.name
        found = dropdowns(book, ws)
        if layout.role in schema.node_kinds:
            assert found == expected_dropdowns(schema, layout.role), layout.name
        elif layout.role == "relations":
            assert found == {"type": list(schema.relation_types), **expected_dropdowns(schema, None, True)}
        elif layout.role == "entities":
            mixed: dict[str, list[str]] = {"kind": list(schema.node_kinds)}
            for kind in schema.node_kinds:
                mixed.update(expected_dropdowns(schema, kind))
            assert found == mixed
        assert any(c is not None for c in next(ws.iter_rows(min_row=2, max_row=2, values_only=True))), layout.name


def test_the_template_has_the_schemas_sheets_comments_and_dropdowns() -> None:
    schema = load_schema()
    content = template(schema)
    check_template(content, schema)
    book = book_of(content)
    assert dropdowns(book, book["Relations"])["basis"] == ["stated", "inferred"]
    assert dropdowns(book, book["Organisation"])["org_type"][0] == "city_unit"
    assert "Name in Finnish" in book["City"]["B1"].comment.text


def test_the_template_follows_a_changed_schema() -> None:
    raw = copy.deepcopy(yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8")))
    raw["node_kinds"]["Event"] = {
        "description": "A recurring event.",
        "properties": {"cadence": {"type": "string", "enum": ["yearly", "monthly"]}, "public": {"type": "boolean"}},
    }
    raw["relation_types"]["HOSTS"] = {"description": "Hosts an event.", "from": ["City"], "to": ["Event"]}
    raw["relation_properties"]["strength"] = {"type": "string", "enum": ["weak", "strong"]}
    schema = parse_schema(raw)
    content = template(schema)
    check_template(content, schema)
    book = book_of(content)
    assert dropdowns(book, book["Event"]) == {"cadence": ["yearly", "monthly"], "public": ["TRUE", "FALSE"]}
    assert "HOSTS" in dropdowns(book, book["Relations"])["type"]
    assert dropdowns(book, book["Entities"])["kind"][-1] == "Event"


def test_the_filled_example_rows_load(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "partners.xlsx"
    path.write_bytes(template(store.schema))
    report = load(store, [(path, None)])
    assert report.skipped == []
    graph = store.snapshot()
    assert {graph.nodes[k]["kind"] for k in graph} == set(store.schema.node_kinds)
    assert graph.number_of_nodes() == len(store.schema.node_kinds) + 1  # and the Entities sheet's row
    assert graph.number_of_edges() == 1
    city = graph.nodes["example-city"]
    assert city["sources"][0]["doc"] == "manual" and len(city["sources"]) == 2  # the Sources sheet's row
    assert [r["email"] for r in store.read("contacts_for_export")] == ["someone@example.org"]


# -- the graph, and the round trip ---------------------------------------------------------------


def digest(store: GraphStore) -> str:
    """Everything the graph holds: nodes and relations with all properties and sources, contact cards."""
    graph = store.snapshot()
    nodes = sorted((k, json.dumps(d, sort_keys=True, default=str)) for k, d in graph.nodes(data=True))
    edges = sorted(
        (s, e, str(k), json.dumps(d, sort_keys=True, default=str)) for s, e, k, d in graph.edges(keys=True, data=True)
    )
    contacts = sorted(json.dumps(r, sort_keys=True) for r in store.read("contacts_for_export"))
    return hashlib.sha256(json.dumps([nodes, edges, contacts]).encode()).hexdigest()


# A manual entry (who, when, how known), so the round trip carries that kind of source too.
MANUAL_ENTRY = {"by": "Test Editor", "at": "2026-11-30", "note": "Planted by the export tests."}


def plant_person(store: GraphStore) -> None:
    """A person with contact details, the contact person of Helsinki."""
    person = parse_node(
        store.schema,
        {
            "key": PERSON,
            "kind": "Person",
            "name_en": "Planted Person",
            "email": PLANTED_EMAIL,
            "phone": PLANTED_PHONE,
            "sources": [MANUAL_ENTRY],
        },
        "test",
    )
    link = parse_relation(
        store.schema, {"start": PERSON, "type": "CONTACT_FOR", "end": "helsinki", "sources": [MANUAL_ENTRY]}, "test"
    )
    store.apply(Batch(nodes=[person], relations=[link]))


@pytest.fixture
def planted(store: GraphStore) -> GraphStore:
    load(store, [(DEFAULT_DATASET, "dataset")])
    plant_person(store)
    return store


def test_round_trip_gives_the_same_graph(planted: GraphStore, tmp_path: Path) -> None:
    before = digest(planted)
    counts = planted.counts()
    graph = export_graph(planted, include_contacts=True)
    assert any(len(d["sources"]) > 1 for _, d in graph.nodes(data=True))  # the Sources sheet is exercised
    path = tmp_path / "helsinki.xlsx"
    path.write_bytes(graph_workbook(graph, planted.schema, include_contacts=True))
    planted.clear()
    assert planted.counts().total_nodes == 0
    report = load(planted, [(path, None)])
    assert report.skipped == []
    assert planted.counts() == counts
    assert digest(planted) == before


def test_the_graph_export_without_contacts_holds_no_contact_field(planted: GraphStore) -> None:
    content = graph_workbook(export_graph(planted), planted.schema)
    book = book_of(content)
    assert "Contacts" not in book.sheetnames
    text = cells(content)
    assert PLANTED_EMAIL not in text and PLANTED_PHONE not in text
    assert not {"email", "phone"} & {c.value for ws in book.worksheets for c in ws[1]}


def test_cli_template_export_and_ask(planted: GraphStore, tmp_path: Path, cli_on_backend: None) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["template", "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    check_template((tmp_path / "t.xlsx").read_bytes(), load_schema())

    out = tmp_path / "around.xlsx"
    result = runner.invoke(app, ["export", "-o", str(out), "--key", "tallinn", "--depth", "1"])
    assert result.exit_code == 0, result.output
    keys = {r[0] for ws in book_of(out.read_bytes()).worksheets[:6] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "tallinn" in keys and "helsinki" in keys and "maas" not in keys

    out = tmp_path / "all.xlsx"
    result = runner.invoke(app, ["export", "--format", "xlsx", "-o", str(out), "--include-contacts"])
    assert result.exit_code == 0, result.output
    assert PLANTED_EMAIL in cells(out.read_bytes())

    out = tmp_path / "partners.xlsx"
    result = runner.invoke(app, ["ask", "partners", "--theme", "smart-city", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    partners = book_of(out.read_bytes())["Partners"]
    header = [c.value for c in partners[1]]
    assert {"entity.key", "matches.theme", "matches.via_theme", "matches.relation"} <= set(header)

    for include, seen in (([], False), (["--include-contacts"], True)):
        out = tmp_path / f"contacts-{seen}.xlsx"
        result = runner.invoke(app, ["ask", "contacts", "helsinki", *include, "--xlsx", str(out)])
        assert result.exit_code == 0, result.output
        text = cells(out.read_bytes())
        assert (PLANTED_EMAIL in text, "email" in text) == (seen, seen)

    out = tmp_path / "governance.xlsx"
    result = runner.invoke(app, ["ask", "governance", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert "Memberships without owner" in book_of(out.read_bytes()).sheetnames


# -- the API -------------------------------------------------------------------------------------


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def get(client: Any, url: str, role: Role, **params: Any) -> bytes:
    response = client.get(url, params=params, headers={"X-API-Key": KEYS[role]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    return bytes(response.content)


def test_api_answers_as_xlsx_with_contact_fields_only_for_the_contacts_role(
    planted: GraphStore, client_for: Clients, tmp_path: Path
) -> None:
    client = client_for(planted)
    reader = cells(get(client, "/contacts", Role.reader, key="helsinki", format="xlsx"))
    assert "planted-person" in reader
    assert PLANTED_EMAIL not in reader and PLANTED_PHONE not in reader and "email" not in reader
    allowed = cells(get(client, "/contacts", Role.contacts, key="helsinki", format="xlsx"))
    assert PLANTED_EMAIL in allowed and PLANTED_PHONE in allowed
    audit = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert "contacts.read" in audit and PLANTED_EMAIL not in audit

    partners = book_of(get(client, "/partners", Role.reader, theme=["smart-city"], format="xlsx"))
    assert partners["Partners"].max_row > 1
    governance = book_of(get(client, "/governance", Role.reader, format="xlsx"))
    assert {"Question", "Memberships without owner"} <= set(governance.sheetnames)

    template_book = book_of(get(client, "/template.xlsx", Role.reader))
    assert template_book.sheetnames[: len(planted.schema.node_kinds)] == list(planted.schema.node_kinds)

    for role in (Role.reader, Role.admin):  # the explorer's export never holds contact fields
        response = client.post(
            "/explorer/export",
            json={"keys": [PERSON, "helsinki"], "format": "xlsx"},
            headers={"X-API-Key": KEYS[role]},
        )
        assert response.status_code == 200 and response.headers["content-type"] == MEDIA_TYPE
        text = cells(response.content)
        assert PERSON in text and PLANTED_EMAIL not in text and PLANTED_PHONE not in text


def test_the_bench_entry_loads_a_generated_workbook_and_reports_it(store: GraphStore, tmp_path: Path) -> None:
    from bench.common import Database, Results
    from bench.xlsx import run

    results = Results()
    entry = run(results, Database(None, store, None), runs=1, seed=3, folder=tmp_path, rows=600)  # type: ignore[arg-type]
    assert entry["rows"] >= 600 and entry["load"]["n"] == 1
    name = results.targets[0].name
    assert name.startswith(("ArcadeDB: ", "Neo4j: ")) and f"load a {entry['rows']:,}-row .xlsx workbook" in name
    assert results.targets[0].holds is True
    assert store.counts().total_nodes == 0  # the benchmark leaves the database empty


@pytest.mark.parametrize(
    ("url", "params", "sheet"),
    [
        ("/search", {"q": "tallinna"}, "Results"),
        ("/entities/helsinki", {}, "Relations"),
        ("/paths", {"start": "helsinki", "end": "tallinn"}, "Paths"),
        ("/neighbourhood", {"key": "tallinn"}, "Nodes"),
        ("/brokers", {"top": 3}, "Brokers"),
        ("/themes", {}, "Themes"),
    ],
)
def test_every_question_route_answers_as_xlsx(
    planted: GraphStore, client_for: Clients, url: str, params: dict[str, Any], sheet: str
) -> None:
    client = client_for(planted)
    book = book_of(get(client, url, Role.reader, format="xlsx", **params))
    assert book.sheetnames[0] == "Question" and sheet in book.sheetnames
    assert book[sheet].max_row > 1
    json_answer = client.get(url, params=params, headers={"X-API-Key": KEYS[Role.reader]})
    assert json_answer.headers["content-type"] == "application/json"  # JSON stays the default


def test_control_characters_in_an_answer_do_not_break_the_workbook(planted: GraphStore, client_for: Clients) -> None:
    client = client_for(planted)
    book = book_of(get(client, "/search", Role.reader, q="tal\x01linn", format="xlsx"))
    assert [r for r in book["Question"].iter_rows(values_only=True) if r[0] == "query"] == [("query", "tal\ufffdlinn")]
