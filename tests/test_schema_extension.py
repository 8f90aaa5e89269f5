"""Adding a relation type and a role in `schema.yaml` needs no Python change (issue 10): a copy of
the schema with one more type (its role, group, label, colour and synonyms) is loaded from a
temporary file, and the maps' legend and style, the importers (Kumu, neo4j-admin CSV, the .xlsx
template and workbooks) and the exports (GraphML, GEXF, JSON, .xlsx) all handle it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest
import yaml
from openpyxl import load_workbook

from graph.schema import SCHEMA_PATH, Schema, SchemaError, display_name, load_schema, parse_schema
from loaders.base import LoadOptions
from loaders.csv_neo4j import Neo4jCsvLoader
from loaders.kumu import KumuLoader
from loaders.xlsx import XlsxLoader
from viz.export import export
from viz.maps import build_map
from viz.xlsx import graph_workbook, template

NEW = "HOSTS"
NEW_TYPE = {
    "description": "A city hosts an event or a programme.",
    "group": "initiative",
    "from": ["City"],
    "to": ["Initiative"],
    "line": "dashed",
    "label": "hosts",
    "colour": "#123456",
    "synonyms": ["host", "venue for"],
}
SOURCE = {"doc": "manual", "by": "tester", "at": "2026-01-01", "note": "a test"}


def extended_raw() -> dict[str, object]:
    raw = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    raw["relation_types"][NEW] = dict(NEW_TYPE)
    raw["relation_roles"]["hosting"] = NEW
    return raw  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    path.write_text(yaml.safe_dump(extended_raw(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_schema(path)


def graph() -> nx.MultiDiGraph[str]:
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    g.add_node("helsinki", key="helsinki", kind="City", name_en="Helsinki", sources=[SOURCE])
    g.add_node("slush", key="slush", kind="Initiative", name_en="Slush", sources=[SOURCE])
    g.add_edge("helsinki", "slush", key="r1", type=NEW, rel_key="r1", basis="stated", sources=[SOURCE])
    return g


def test_the_new_type_and_its_role_are_read_from_the_file(schema: Schema) -> None:
    assert schema is not load_schema()
    assert schema.type_with_role("hosting") == NEW
    assert schema.roles_of_type(NEW) == ("hosting",)
    assert NEW in schema.types_of_group("initiative")
    assert schema.relation_label(NEW) == "hosts"
    assert schema.resolve_type("Venue for") == schema.resolve_type("hosts") == NEW
    assert schema.relation_types[NEW].allows("City", "Initiative")


def test_the_map_draws_and_explains_it(schema: Schema) -> None:
    data = build_map(graph(), schema=schema)
    assert [(e["name"], e["colour"]) for e in data.legend["relations"]] == [(NEW, "#123456")]
    [edge] = data.edges
    assert edge["color"]["color"] == "#123456" and edge["dashes"]
    style = data.payload()["style"]
    assert style["relationLabels"][NEW] == "hosts"  # a new msgid: English until translated
    assert style["relations"][NEW]["colour"] == "#123456"


def test_kumu_reads_its_name_and_synonyms(schema: Schema, tmp_path: Path) -> None:
    (tmp_path / "elements.csv").write_text("Label,Type\nHelsinki,City\nSlush,Project\n", encoding="utf-8")
    (tmp_path / "connections.csv").write_text(
        "From,To,Type\nHelsinki,Slush,host\nHelsinki,Slush,Venue for\nHelsinki,Slush,hosts\n", encoding="utf-8"
    )
    read = KumuLoader().read(tmp_path, schema, LoadOptions())
    assert read.errors == []
    assert [r.type for r in read.batch.relations] == [NEW, NEW, NEW]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "elements.csv").write_text("Label,Type\nHelsinki,City\n", encoding="utf-8")
    (bad / "connections.csv").write_text("From,To,Type\nHelsinki,Helsinki,guest\n", encoding="utf-8")
    [error] = KumuLoader().read(bad, schema, LoadOptions()).errors
    assert NEW in error.reason and "unknown connection type 'guest'" in error.reason


def test_neo4j_admin_csv_reads_it(schema: Schema, tmp_path: Path) -> None:
    path = tmp_path / "relations.csv"
    path.write_text(":START_ID,:END_ID,:TYPE\nhelsinki,slush,hosts\nhelsinki,slush,venue-for\n", encoding="utf-8")
    read = Neo4jCsvLoader().read(path, schema, LoadOptions())
    assert [r.type for r in read.batch.relations] == [NEW, NEW], read.errors


def test_the_xlsx_template_offers_it(schema: Schema) -> None:
    book = load_workbook(io.BytesIO(template(schema)))
    offered = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert NEW in offered


def test_exports_and_the_workbook_round_trip_keep_it(schema: Schema, tmp_path: Path) -> None:
    for fmt in ("graphml", "gexf", "json"):
        assert NEW.encode() in export(graph(), fmt), fmt
    links = json.loads(export(graph(), "json"))["links"]
    assert [link["type"] for link in links] == [NEW]
    path = tmp_path / "hosts.xlsx"
    path.write_bytes(graph_workbook(graph(), schema))
    read = XlsxLoader().read(path, schema, LoadOptions())
    assert read.errors == []
    assert [(r.start, r.type, r.end) for r in read.batch.relations] == [("helsinki", NEW, "slush")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["relation_roles"].update(hosting="HOST"),
            "hosting: unknown relation type 'HOST'",
        ),
        (lambda raw: raw["kind_roles"].update(theme="Topic"), "kind_roles.theme: unknown node kind 'Topic'"),
        (lambda raw: raw["relation_types"][NEW].update(synonyms=["membership"]), "'membership' would mean both"),
        (lambda raw: raw["relation_types"][NEW].update(label=["hosts"]), "relation_types.HOSTS.label: expected a text"),
        (lambda raw: raw["captions"].update(fallback=["fi", "de"]), "captions.fallback: language 'de'"),
        (lambda raw: raw["relation_roles"].update(Hosting=NEW), "role name 'Hosting' is not lower_snake_case"),
    ],
)
def test_a_broken_entry_is_named(change: object, message: str) -> None:
    raw = extended_raw()
    change(raw)  # type: ignore[operator]
    with pytest.raises(SchemaError, match=message.replace("(", r"\(")):
        parse_schema(raw)


def test_a_role_is_asked_for_by_name_and_must_exist() -> None:
    schema = load_schema()
    assert schema.types_with_role("theme_link") == ("TOUCHES", "KEY_ACTOR_FOR", "LEADS")
    assert schema.kind_with_role("theme") == "Theme"
    with pytest.raises(KeyError, match="no relation role 'theme_links'"):
        schema.types_with_role("theme_links")
    with pytest.raises(KeyError, match="expected exactly one"):
        schema.type_with_role("theme_link")


def test_the_caption_rule_is_the_schemas() -> None:
    raw = extended_raw()
    raw["captions"]["fallback"] = ["sv", "en", "fi"]  # type: ignore[index]
    names = {"key": "k", "name_fi": "Pietari", "name_sv": "Sankt Petersburg"}
    assert display_name(names, "en") == "Pietari"  # the shipped rule: fi first
    assert display_name(names, "en", parse_schema(raw)) == "Sankt Petersburg"
    assert display_name({"key": "k", "name_en": "  "}, "en") == "k"  # a name of spaces is no name
