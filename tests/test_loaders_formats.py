"""The file loaders on good input, against the real store: neo4j-admin CSV, contacts, Kumu."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from graph.model import ValidationFailed
from graph.schema import load_schema
from graph.store import GraphStore
from loaders.base import LOADERS, LoadOptions, loader_for
from loaders.csvutil import Resolver, convert, fold, slug, split_list
from loaders.kumu import KumuLoader
from loaders.pipeline import load

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
BASE = [(FIXTURES / "nodes.csv", None), (FIXTURES / "relations.csv", None)]


def test_every_loader_registers_itself() -> None:
    loader_for(FIXTURES / "nodes.csv")  # imports the package
    assert {"dataset", "neo4j-csv", "contacts", "kumu", "document"} <= set(LOADERS)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("nodes.csv", "neo4j-csv"),
        ("relations.csv", "neo4j-csv"),
        ("initiatives.csv", "neo4j-csv"),
        ("contacts.csv", "contacts"),
        ("kumu", "kumu"),
        ("kumu/elements.csv", "kumu"),
        ("document.md", "document"),
    ],
)
def test_each_source_is_detected(path: str, name: str) -> None:
    assert loader_for(FIXTURES / path).name == name


def test_neo4j_csv_nodes_and_relations(store: GraphStore) -> None:
    report = load(store, [*BASE, (FIXTURES / "initiatives.csv", None)])
    counts = store.counts()
    assert counts.nodes == {"City": 3, "Initiative": 1, "Network": 1, "Organisation": 1, "Theme": 1}
    assert counts.relations == {"MEMBER_OF": 1, "PARTNER_OF": 1, "PART_OF": 1, "TOUCHES": 1}
    assert report.summary.created["City"] == 3
    graph = store.snapshot()
    helsinki = graph.nodes["helsinki"]
    assert helsinki["kind"] == "City"  # from "Entity;City"
    assert helsinki["capital"] is True
    assert helsinki["aliases"] == ["Helsingin", "Helsingissä", "City of Helsinki"]
    assert graph.nodes["malmo"]["capital"] is False
    # `id:ID(Initiative)` is the key, `name` the English name, untyped `year` an integer as the schema says.
    nycx = graph.nodes["nycx"]
    assert (nycx["name_en"], nycx["year"], nycx["initiative_type"]) == ("NYCx Cyber Challenge", 2019, "challenge")
    member = graph.edges["helsinki", "eurocities", "helsinki|MEMBER_OF|eurocities"]
    assert member["since"] == dt.date(1990, 1, 1)
    assert member["role"] == "founding member"
    assert graph.has_edge("forum-virium", "smart-city")  # `touches` -> TOUCHES

    again = load(store, BASE)  # idempotent
    assert not again.summary.changed
    assert store.counts() == counts


def test_neo4j_csv_accepts_a_bom_and_crlf(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfkey:ID,:LABEL,name_en\r\nvantaa,City,Vantaa\r\n")
    load(store, [(path, None)])
    assert store.snapshot().nodes["vantaa"]["name_en"] == "Vantaa"


def test_dry_run_writes_nothing(store: GraphStore) -> None:
    report = load(store, BASE, dry_run=True)
    assert report.records == 10
    assert store.counts().total_nodes == 0


def test_contacts(store: GraphStore) -> None:
    load(store, BASE)
    load(store, [(FIXTURES / "contacts.csv", None)])
    graph = store.snapshot()
    maija = graph.nodes["maija-meikalainen"]  # key: a slug of the name
    assert maija["kind"] == "Person"
    assert maija["name_en"] == "Maija Meikäläinen"
    assert maija["title_en"] == "Project director"
    assert "email" not in maija and "phone" not in maija  # personal fields never on the entity
    # the organisation by its name, contact_for and owns by key
    assert graph.has_edge("maija-meikalainen", "forum-virium", "maija-meikalainen|WORKS_FOR|forum-virium")
    assert graph.has_edge("maija-meikalainen", "smart-city")
    matti = {(e, d["type"]) for _, e, d in graph.out_edges("matti-virtanen", data=True)}
    assert matti == {
        ("helsinki", "WORKS_FOR"),
        ("tallinn", "CONTACT_FOR"),
        ("eurocities", "CONTACT_FOR"),
        ("eurocities", "OWNS_MEMBERSHIP"),
    }
    cards = {row["key"]: row for row in store.read("contacts_for_export")}
    assert cards["maija-meikalainen"]["email"] == "maija@example.org"
    assert cards["maija-meikalainen"]["phone"] == "+358 40 123 4567"
    assert cards["matti-virtanen"]["phone"] is None


def test_contacts_and_their_organisation_in_one_load(store: GraphStore) -> None:
    load(store, [*BASE, (FIXTURES / "contacts.csv", "contacts")])
    assert store.counts().nodes["Person"] == 2


@pytest.mark.parametrize("source", ["kumu", "kumu/elements.csv", "kumu/connections.csv"])
def test_kumu_pair(store: GraphStore, source: str) -> None:
    load(store, BASE)
    load(store, [(FIXTURES / source, None)])
    graph = store.snapshot()
    assert graph.nodes["amsterdam"]["kind"] == "City"  # type "city", key from the label
    assert graph.nodes["amsterdam"]["country"] == "Netherlands"
    assert graph.nodes["amsterdam"]["description_en"] == "Capital of the Netherlands"
    assert graph.nodes["asc"]["kind"] == "Organisation"  # "Organization", key from ID
    assert graph.nodes["data-ethics"]["kind"] == "Theme"  # "Topic"
    edges = {(s, e, d["type"]) for s, e, d in graph.edges(data=True)}
    assert {
        ("asc", "amsterdam", "PART_OF"),
        ("amsterdam", "cities-coalition-for-digital-rights", "MEMBER_OF"),
        ("amsterdam", "helsinki", "PARTNER_OF"),  # "partner", to a stored city by name
        ("asc", "data-ethics", "TOUCHES"),
        ("helsinki", "cities-coalition-for-digital-rights", "MEMBER_OF"),
    } <= edges
    role = graph.edges[
        "amsterdam",
        "cities-coalition-for-digital-rights",
        "amsterdam|MEMBER_OF|cities-coalition-for-digital-rights",
    ]["role"]
    assert role == "founding member"
    assert graph.edges["asc", "data-ethics", "asc|TOUCHES|data-ethics"]["note"] == "Works on data ethics"


def test_kumu_elements_file_with_a_prefix_finds_its_connections(tmp_path: Path) -> None:
    for name in ("elements", "connections"):
        shutil.copy(FIXTURES / "kumu" / f"{name}.csv", tmp_path / f"project-{name}.csv")
    read = KumuLoader().read(
        tmp_path / "project-elements.csv", load_schema(), LoadOptions(known_entities={"helsinki": ["Helsinki"]})
    )
    assert not read.errors
    assert len(read.batch.nodes) == 4 and len(read.batch.relations) == 5


def test_kumu_without_connections_is_an_error(store: GraphStore, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "kumu" / "elements.csv", tmp_path / "elements.csv")
    with pytest.raises(ValidationFailed, match=r"elements\.csv line 1: \(file\): no connections\.csv"):
        load(store, [(tmp_path / "elements.csv", "kumu")])
    assert store.counts().total_nodes == 0


# -- helpers ---------------------------------------------------------------------------------------


def test_typed_cells() -> None:
    assert convert("42", "int") == 42
    assert convert("-3", "long") == -3
    assert convert("2.5", "double") == 2.5
    assert convert("TRUE", "boolean") is True
    assert convert("2024-02-29", "date") == dt.date(2024, 2, 29)
    assert convert("a; b ;c", "string[]") == ["a", "b", "c"]
    assert convert("1;2", "int[]") == [1, 2]
    for text, type_name, reason in [
        ("4.0", "int", "not an integer"),
        ("yes", "boolean", "not a boolean"),
        ("2024-02-30", "date", "not a date"),
        ("29.2.2024", "date", "not a date"),
        ("[a, b]", "string[]", "bad array syntax"),
        ("a;;b", "string[]", "bad array syntax"),
    ]:
        with pytest.raises(ValueError, match=reason):
            convert(text, type_name)
    assert split_list("") == []


def test_names_fold_and_resolve() -> None:
    assert fold("Malmö") == fold("MALMO") == "malmo"
    assert slug("Jan Vapaavuori") == "jan-vapaavuori"
    assert slug("Ääkkönen, Öö") == "aakkonen-oo"
    resolver = Resolver(
        {
            "helsinki": ["Helsinki", "Helsingfors"],
            "forum-virium": ["Forum Virium Helsinki"],
            "a": ["Twin"],
            "b": ["Twin"],
        }
    )
    assert resolver.resolve("helsinki") == "helsinki"
    assert resolver.resolve("HELSINGFORS") == "helsinki"
    assert resolver.resolve("forum  virium helsinki") == "forum-virium"
    assert resolver.resolve("unknown-key") == "unknown-key"  # reported later if it does not exist
    with pytest.raises(ValueError, match="ambiguous"):
        resolver.resolve("twin")
    with pytest.raises(ValueError, match="no node with key or name"):
        resolver.resolve("No Such Place")
