"""Broken files: every error names the file, the line and the column, and nothing is written.

Each case loads one broken source into a store that already holds a few nodes and relations, and
checks the error and that counts, snapshot and contact cards are exactly as before. Most broken
files also hold good rows before the bad one: a file with an error writes none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Backend

from graph.model import ValidationFailed
from graph.store import GraphStore
from loaders.base import LoadOptions
from loaders.pipeline import load

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
BASE = [(FIXTURES / "nodes.csv", None), (FIXTURES / "relations.csv", None), (FIXTURES / "contacts.csv", None)]
NODES = "key:ID,:LABEL,name_en\nespoo,City,Espoo\n"  # a good row first: it must not be written either
RELS = ":START_ID,:END_ID,:TYPE\nhelsinki,malmo,PARTNER_OF\n"
CONTACTS = "name,organisation,email\nAino Aalto,helsinki,aino@example.org\n"
KUMU_ELEMENTS = "Label,Type\nEspoo,City\n"
KUMU_CONNECTIONS = "From,To,Type\nEspoo,Helsinki,partner\n"


@dataclass
class Case:
    id: str
    content: str | bytes | dict[str, str]  # a dict: a folder (Kumu) of file name -> content
    line: int
    field: str
    reason: str
    fmt: str | None = None  # None: detected, as `partnergraph load FILE` does
    name: str = "broken.csv"  # the file the error names (for a folder: the file inside it)


CASES = [
    # encodings and whole-file problems
    Case("latin-1", NODES.encode() + "malmo2,City,Malmö\n".encode("latin-1"), 3, "(encoding)", "not UTF-8"),
    Case("utf-16", (NODES + "vantaa,City,Vantaa\n").encode("utf-16"), 1, "(encoding)", "not UTF-8 (it is UTF-16)"),
    Case("binary", NODES.encode() + b"x,City,\x00\x01\x02\xff\n", 3, "(file)", "binary file (NUL bytes)"),
    Case("empty", b"", 1, "(file)", "empty file", fmt="neo4j-csv"),
    Case("blank-lines-only", "\n\n  \n", 1, "(file)", "empty file", fmt="neo4j-csv"),
    Case("header-only", "key:ID,:LABEL,name_en\n", 1, "(rows)", "no rows"),
    Case(
        "unterminated-quote", NODES + 'vantaa,City,"Vantaa\nkerava,City,Kerava\n', 3, "(quoting)", "unterminated quote"
    ),
    Case("stray-quote", NODES + 'vantaa,City,"Van"taa\n', 3, "(quoting)", "bad CSV"),
    # header problems
    Case("missing-label-column", "key:ID,name_en\nespoo,Espoo\n", 1, ":LABEL", "missing column"),
    Case("missing-type-column", ":START_ID,:END_ID\nhelsinki,tallinn\n", 1, ":TYPE", "missing column"),
    Case(
        "extra-column",
        "key:ID,:LABEL,name_en,population:int\nespoo,City,Espoo,300000\n",
        2,
        "population:int",
        "not a property declared in the schema",
    ),
    Case(
        "unsupported-type",
        "key:ID,:LABEL,name_en,seen:datetime\nespoo,City,Espoo,x\n",
        1,
        "seen:datetime",
        "unsupported type",
    ),
    Case("repeated-column", "key:ID,:LABEL,name_en,name_en\nespoo,City,Espoo,Esbo\n", 1, "name_en", "repeats"),
    # row problems
    Case("ragged-too-many", NODES + "vantaa,City,Vantaa,extra\n", 3, "column 4", "the row has 4 cells"),
    Case("ragged-too-few", NODES + "vantaa,City\n", 3, "name_en", "the row has 2 cells"),
    Case("unknown-kind", NODES + "pluto,Entity;Planet,Pluto\n", 3, ":LABEL", "unknown kind 'Planet'"),
    Case("bad-key", NODES + "Bad Key!,City,Bad\n", 3, "key:ID", "did you mean 'bad-key'?"),
    Case("oversized-field", NODES + "vantaa,City," + "V" * 1_001 + "\n", 3, "name_en", "at most 1000 characters"),
    Case(
        "formula-hyperlink",
        NODES + 'evil,City,"=HYPERLINK(""http://evil.example"",""x"")"\n',
        3,
        "name_en",
        "looks like a spreadsheet formula",
    ),
    Case("formula-plus", NODES + "evil,City,+cmd|' /C calc'!A0\n", 3, "name_en", "looks like a spreadsheet formula"),
    Case("formula-at", NODES + "evil,City,@SUM(A1:A9)\n", 3, "name_en", "looks like a spreadsheet formula"),
    Case(
        "formula-in-array",
        "key:ID,:LABEL,name_en,aliases:string[]\nespoo,City,Espoo,Esbo;=1+2\n",
        2,
        "aliases:string[]",
        "looks like a spreadsheet formula",
    ),
    Case("bad-integer", "key:ID,:LABEL,name_en,year:int\nx,Initiative,X,20x0\n", 2, "year:int", "not an integer"),
    Case("bad-integer-untyped", "key:ID,:LABEL,name_en,year\nx,Initiative,X,2019.5\n", 2, "year", "not an integer"),
    Case(
        "bad-boolean",
        "key:ID,:LABEL,name_en,capital:boolean\nespoo,City,Espoo,yes\n",
        2,
        "capital:boolean",
        "not a boolean",
    ),
    Case(
        "bad-array",
        'key:ID,:LABEL,name_en,aliases:string[]\nespoo,City,Espoo,"[Esbo, Espoon]"\n',
        2,
        "aliases:string[]",
        "bad array syntax",
    ),
    Case(
        "empty-array-item",
        "key:ID,:LABEL,name_en,aliases:string[]\nespoo,City,Espoo,Esbo;;Espoon\n",
        2,
        "aliases:string[]",
        "bad array syntax",
    ),
    Case("bad-enum", "key:ID,:LABEL,name_en,org_type\nx,Organisation,X,bank\n", 2, "org_type", "Input should be"),
    Case("bad-url", "key:ID,:LABEL,name_en,url\nx,Organisation,X,javascript:alert(1)\n", 2, "url", "should match"),
    # relations
    Case("unknown-relation-type", RELS + "helsinki,tallinn,FRIENDS_WITH\n", 3, ":TYPE", "unknown relation type"),
    Case(
        "bad-date",
        ":START_ID,:END_ID,:TYPE,since:date\nhelsinki,tallinn,PARTNER_OF,2020-13-45\n",
        2,
        "since:date",
        "not a date",
    ),
    Case(
        "bad-date-untyped",
        ":START_ID,:END_ID,:TYPE,since\nhelsinki,tallinn,PARTNER_OF,31.12.2020\n",
        2,
        "since",
        "not a date",
    ),
    Case(
        "until-before-since",
        ":START_ID,:END_ID,:TYPE,since,until\nhelsinki,tallinn,PARTNER_OF,2020-01-01,2019-01-01\n",
        2,
        "until",
        "is before since",
    ),
    # cross-record checks (against the file and the store), still naming the file and line
    Case("relation-to-missing-key", RELS + "helsinki,atlantis,PARTNER_OF\n", 3, "end", "no node with key 'atlantis'"),
    Case(
        "relation-between-wrong-kinds",
        RELS + "eurocities,helsinki,MEMBER_OF\n",
        3,
        "type",
        "MEMBER_OF does not go from Network to City",
    ),
    Case(
        "duplicate-key-conflicting",
        NODES + "espoo,City,Esbo\n",
        3,
        "key",
        "duplicate key with conflicting values (first at",
    ),
    Case(
        "same-key-other-kind-than-stored",
        NODES + "helsinki,Organisation,Helsinki Ltd\n",
        3,
        "kind",
        "key already exists as a City",
    ),
    # contacts
    Case(
        "contacts-bad-email",
        CONTACTS + "Eero Esimerkki,helsinki,eero(at)example.org\n",
        3,
        "email",
        "should match pattern",
    ),
    Case(
        "contacts-unknown-organisation",
        CONTACTS + "Eero Esimerkki,No Such Org,eero@example.org\n",
        3,
        "organisation",
        "no node with key or name 'No Such Org'",
    ),
    Case(
        "contacts-unknown-column", "name,fax\nEero Esimerkki,123\n", 1, "fax", "not a contacts column", fmt="contacts"
    ),
    Case("contacts-missing-name", CONTACTS + ",helsinki,x@example.org\n", 3, "name", "required"),
    Case(
        "contacts-owns-a-city",
        "name,owns\nEero Esimerkki,helsinki\n",
        2,
        "type",
        "OWNS_MEMBERSHIP does not go from Person to City",
        fmt="contacts",
    ),
    # Kumu
    Case(
        "kumu-unknown-element-type",
        {"elements.csv": KUMU_ELEMENTS + "Mars,Planet\n", "connections.csv": KUMU_CONNECTIONS},
        3,
        "Type",
        "unknown element type 'Planet'",
        name="elements.csv",
    ),
    Case(
        "kumu-unknown-connection-type",
        {"elements.csv": KUMU_ELEMENTS, "connections.csv": KUMU_CONNECTIONS + "Espoo,Tallinn,likes\n"},
        3,
        "Type",
        "unknown connection type 'likes'",
        name="connections.csv",
    ),
    Case(
        "kumu-unknown-element",
        {"elements.csv": KUMU_ELEMENTS, "connections.csv": KUMU_CONNECTIONS + "Espoo,Gotham City,partner\n"},
        3,
        "To",
        "no node with key or name 'Gotham City'",
        name="connections.csv",
    ),
    Case(
        "kumu-unknown-column",
        {"elements.csv": "Label,Type,Colour\nEspoo,City,red\n", "connections.csv": KUMU_CONNECTIONS},
        1,
        "Colour",
        "not a Kumu column",
        name="elements.csv",
    ),
    Case(
        "kumu-bad-direction",
        {"elements.csv": KUMU_ELEMENTS, "connections.csv": "From,To,Type,Direction\nEspoo,Helsinki,partner,sideways\n"},
        2,
        "Direction",
        "expected one of directed",
        name="connections.csv",
    ),
    # documents
    Case("document-latin-1", "Helsinki ja Malmö.\n".encode("latin-1"), 1, "(encoding)", "not UTF-8", name="broken.txt"),
    Case("document-binary", b"Helsinki\x00\x00", 1, "(file)", "binary", name="broken.md"),
]


def state(store: GraphStore) -> tuple[Any, ...]:
    """Everything a failed load must leave as it was."""
    graph = store.snapshot()
    nodes = sorted((key, repr(sorted(data.items()))) for key, data in graph.nodes(data=True))
    edges = sorted((s, e, k, repr(sorted(d.items()))) for s, e, k, d in graph.edges(keys=True, data=True))
    contacts = sorted(repr(sorted(row.items())) for row in store.read("contacts_for_export"))
    return store.counts(), nodes, edges, contacts


def write(tmp_path: Path, case: Case) -> Path:
    if isinstance(case.content, dict):
        folder = tmp_path / "project"
        folder.mkdir()
        for name, text in case.content.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder
    path = tmp_path / case.name
    path.write_bytes(case.content.encode("utf-8") if isinstance(case.content, str) else case.content)
    return path


@pytest.fixture
def preloaded(store: GraphStore) -> GraphStore:
    load(store, BASE)
    return store


@pytest.fixture
def unchanged(backend: Backend) -> Iterator[GraphStore]:
    """The preloaded store, loaded once and reused while the tests using it leave it unchanged."""
    if backend.contents != "loaders-bad-input":
        backend.store.clear()
        load(backend.store, BASE)
    backend.contents = None  # dirty until the test has proved that it changed nothing
    yield backend.store


def test_there_are_enough_kinds_of_broken_file() -> None:
    assert len(CASES) >= 15
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_file_names_file_line_column_and_writes_nothing(
    unchanged: GraphStore, backend: Backend, tmp_path: Path, case: Case
) -> None:
    preloaded = unchanged
    before = state(preloaded)
    assert before[0].total_nodes == 8  # the fixture really holds something to protect
    path = write(tmp_path, case)
    with pytest.raises(ValidationFailed) as failure:
        load(preloaded, [(path, case.fmt)])
    place = f"{case.name} line {case.line}"
    matching = [e for e in failure.value.errors if place in e.record and e.field == case.field]
    assert matching, f"no error at {place}, column {case.field!r}:\n{failure.value}"
    assert any(case.reason in e.reason for e in matching), f"expected {case.reason!r}:\n{failure.value}"
    assert f"{place}" in str(failure.value)  # what the CLI prints names the file and line too
    assert state(preloaded) == before
    backend.contents = "loaders-bad-input"


def test_a_bom_is_not_an_error(preloaded: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff".encode() + NODES.encode())
    load(preloaded, [(path, None)])
    assert preloaded.snapshot().nodes["espoo"]["name_en"] == "Espoo"


def test_skip_bad_rows_loads_the_good_ones_and_lists_the_rest(preloaded: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "key:ID,:LABEL,name_en,capital:boolean\n"
        "espoo,City,Espoo,false\n"
        "evil,City,=cmd|' /C calc'!A0,\n"
        "vantaa,City,Vantaa,\n"
        "kerava,City,Kerava,maybe\n"
        "helsinki,Organisation,Helsinki Ltd,\n"
        "kauniainen,City,Kauniainen\n",
        encoding="utf-8",
    )
    before = preloaded.counts()
    report = load(preloaded, [(path, None)], LoadOptions(skip_bad_rows=True))
    lines = sorted(int(e.record.split(" line ")[1].split()[0]) for e in report.skipped)
    assert lines == [3, 5, 6, 7]
    fields = {int(e.record.split(" line ")[1].split()[0]): e.field for e in report.skipped}
    # a formula, a bad boolean, a kind clash with the store, a row short of a cell
    assert fields == {3: "name_en", 5: "capital:boolean", 6: "kind", 7: "capital:boolean"}
    after = preloaded.counts()
    assert after.nodes["City"] == before.nodes["City"] + 2
    graph = preloaded.snapshot()
    assert "espoo" in graph and "vantaa" in graph
    assert not {"evil", "kerava", "kauniainen"} & set(graph)
    assert graph.nodes["helsinki"]["kind"] == "City"


def test_skip_bad_rows_also_drops_relations_to_skipped_nodes(preloaded: GraphStore, tmp_path: Path) -> None:
    nodes, rels = tmp_path / "n.csv", tmp_path / "r.csv"
    nodes.write_text("key:ID,:LABEL,name_en,year:int\nok,Initiative,OK,2020\nbad,Initiative,Bad,soon\n", "utf-8")
    rels.write_text(":START_ID,:END_ID,:TYPE\nhelsinki,ok,LEADS\nhelsinki,bad,LEADS\n", "utf-8")
    report = load(preloaded, [(nodes, None), (rels, None)], LoadOptions(skip_bad_rows=True))
    assert [(e.record.split(" (")[0], e.field) for e in report.skipped] == [
        (f"{nodes} line 3", "year:int"),
        (f"{rels} line 3", "end"),
    ]
    graph = preloaded.snapshot()
    assert graph.has_edge("helsinki", "ok") and "bad" not in graph
