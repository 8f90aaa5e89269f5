"""The document loader: sections, sentences, mentions of known entities as provenance, co-mentions
as candidates for review (never written)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.model import ValidationFailed
from graph.schema import load_schema
from graph.store import GraphStore
from loaders.base import LoadOptions
from loaders.document import DocumentLoader, Matcher, sections, sentences
from loaders.pipeline import load
from partnergraph.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
BASE = [(FIXTURES / "nodes.csv", None), (FIXTURES / "relations.csv", None)]
PRIORITIES = Path(__file__).parents[1] / "data" / "sources" / "helsinki-international-priorities.fi.txt"


def mentions(store: GraphStore) -> dict[str, list[dict[str, object]]]:
    """The sources the document added: the base CSV rows are their own records' first sources."""
    rows = {path.name for path, _ in BASE}
    found = {
        key: [s for s in data["sources"] if s["doc"] not in rows] for key, data in store.snapshot().nodes(data=True)
    }
    return {key: sources for key, sources in found.items() if sources}


def test_mentions_become_provenance_and_co_mentions_candidates(store: GraphStore) -> None:
    load(store, BASE)
    relations_before = store.counts().relations
    report = load(store, [(FIXTURES / "document.md", None)], LoadOptions(document_id="twin-city-memo"))
    found = mentions(store)
    assert set(found) == {"helsinki", "tallinn", "eurocities", "malmo", "forum-virium", "smart-city"}
    assert found["tallinn"] == [
        {
            "doc": "twin-city-memo",
            "section": "Helsinki and its neighbours",
            "sentence": 1,
            "quote": "Helsinki and Tallinn plan a genuine twin city.",
        },
        # the inflected form is an alias
        {
            "doc": "twin-city-memo",
            "section": "2.1 Networks",
            "sentence": 1,
            "quote": "Tallinnan läheisyys nostaa sen erityisasemaan.",
        },
    ]
    # lower-case "helsinki" and "Malmo" without the diaeresis are found; "Helsingissä" is an alias
    assert {(s["section"], s["sentence"]) for s in found["helsinki"]} == {
        ("Helsinki and its neighbours", 1),
        ("2.1 Networks", 2),
        ("SMART CITIES", 1),
    }
    assert found["malmo"][0]["quote"] == "In English: helsinki works in Eurocities with Malmo."
    # "Forum Virium Helsinki" is one mention of the organisation, not also of the city; nor is
    # "Helsinkiläiset" (not a whole word)
    assert [s["sentence"] for s in found["forum-virium"]] == [3]
    assert {(c["start"], c["end"]) for c in report.candidates} == {
        ("helsinki", "tallinn"),
        ("helsinki", "eurocities"),
        ("helsinki", "malmo"),
        ("eurocities", "malmo"),
        ("smart-city", "helsinki"),
    }
    candidate = next(c for c in report.candidates if c["end"] == "malmo" and c["start"] == "eurocities")
    assert candidate["quote"] == "In English: helsinki works in Eurocities with Malmo."
    assert candidate["section"] == "2.1 Networks"
    assert store.counts().relations == relations_before  # candidates are never written

    again = load(store, [(FIXTURES / "document.md", None)], LoadOptions(document_id="twin-city-memo"))
    assert not again.summary.changed  # provenance does not pile up
    assert mentions(store) == found


def test_document_id_defaults_to_the_file_stem(store: GraphStore) -> None:
    load(store, BASE)
    load(store, [(FIXTURES / "document.md", "document")])
    assert {s["doc"] for s in mentions(store)["helsinki"]} == {"document"}


def test_entities_read_in_the_same_load_are_known(store: GraphStore) -> None:
    load(store, [*BASE, (FIXTURES / "document.md", None)])
    assert "malmo" in mentions(store)


def test_a_document_needs_known_entities(store: GraphStore) -> None:
    with pytest.raises(ValidationFailed, match=r"document\.md line 1: \(entities\): no known entities"):
        load(store, [(FIXTURES / "document.md", None)])


def test_real_policy_document() -> None:
    known = {
        "helsinki": ["Helsinki", "Helsingin", "Helsingissä"],
        "tallinn": ["Tallinna", "Tallinn", "Tallinnan"],
        "moscow": ["Moskova"],
        "eurocities": ["Eurocities"],
        "new-york": ["New York", "New Yorkin"],
    }
    read = DocumentLoader().read(PRIORITIES, load_schema(), LoadOptions(known_entities=known))
    assert not read.errors
    titles = [s.title for s in sections(PRIORITIES.read_text("utf-8"))]
    assert titles[:4] == [
        "HELSINGIN KANSAINVÄLISEN TOIMINNAN PAINOPISTEET",
        "1. HELSINGIN KANSAINVÄLINEN TOIMINTA – LÄHTÖKOHDAT",
        "1.1 Kansainvälisyys kaupunkistrategiassa",
        "1.2 Kaupungin kansainvälinen toiminta nyt",
    ]
    tallinn = read.batch.provenance["tallinn"]
    assert [(s.doc, s.section) for s in tallinn] == [
        ("helsinki-international-priorities.fi", "2.1 Kansainvälisen toiminnan kehittämisen vaikuttimet")
    ]
    assert tallinn[0].quote.startswith("Tallinnan läheisyys nostaa sen erityisasemaan")
    # markdown emphasis is not part of a quote
    assert all("**" not in s.quote for sources in read.batch.provenance.values() for s in sources)
    assert {"moscow", "eurocities", "new-york"} <= set(read.batch.provenance)


def test_sections_and_sentences() -> None:
    text = (
        "Intro line without heading.\n\n"
        "# Markdown Title\n"
        "First sentence, e.g. with an abbreviation. Second one mentions St. Petersburg! The third\n"
        "goes on in the next line.\n\n"
        "3.2 Numbered heading\n"
        "- a bullet item\n"
        "- another item\n\n"
        "ALL CAPS HEADING\n"
        "Vuonna 2018 perustettiin mm. viestintäosasto. Se toimii J. Virtasen johdolla.\n\n"
        "1. A numbered sentence in a list, not a heading.\n"
        "68 prosenttia väestöstä asuu kaupungeissa\n"
    )
    found = [(s.title, [list(sentences(p)) for p in s.paragraphs]) for s in sections(text)]
    assert found == [
        (None, [["Intro line without heading."]]),
        (
            "Markdown Title",
            [
                [
                    "First sentence, e.g. with an abbreviation.",
                    "Second one mentions St. Petersburg!",
                    "The third goes on in the next line.",
                ]
            ],
        ),
        ("3.2 Numbered heading", [["a bullet item"], ["another item"]]),
        (
            "ALL CAPS HEADING",
            [
                ["Vuonna 2018 perustettiin mm. viestintäosasto.", "Se toimii J. Virtasen johdolla."],
                ["1. A numbered sentence in a list, not a heading.", "68 prosenttia väestöstä asuu kaupungeissa"],
            ],
        ),
    ]


def test_matcher_whole_words_case_and_diacritics() -> None:
    matcher = Matcher(
        {
            "malmo": ["Malmö"],
            "helsinki": ["Helsinki"],
            "hbh": ["Helsinki Business Hub"],
            "c40": ["C40"],
            "x": ["Twin"],
            "y": ["Twin"],  # a name two entities share is ambiguous: not looked for
        }
    )
    assert matcher.find("MALMO and malmö, then HELSINKI") == ["malmo", "helsinki"]
    assert matcher.find("Helsinki Business Hub, not Helsinkiläiset") == ["hbh"]
    assert matcher.find("C40-verkoston kanssa") == ["c40"]
    assert matcher.find("Twin cities; Malmöläiset") == []


def test_matching_is_fast() -> None:
    known = {f"entity-{i}": [f"Entity{i} Name", f"Alias{i}"] for i in range(5_000)}
    text = " ".join(f"Sentence {i} names Entity{i % 7_000} Name and Alias{i % 9_000} here." for i in range(20_000))
    start = time.perf_counter()
    matcher = Matcher(known)
    found = [matcher.find(s) for s in sentences(text)]
    elapsed = time.perf_counter() - start
    assert len(found) == 20_000
    assert found[1] == ["entity-1"]
    assert elapsed < 5, f"{elapsed:.1f}s for 5,000 entities x 20,000 sentences"


def test_load_command(store: GraphStore, tmp_path: Path, cli_on_backend: None) -> None:
    """`partnergraph load`: sources detected, candidates written for review, errors name the file."""
    runner = CliRunner()
    sources = [str(path) for path, _ in BASE] + [str(FIXTURES / "document.md")]
    out = tmp_path / "candidates.json"
    result = runner.invoke(app, ["load", *sources, "--document-id", "memo", "--candidates", str(out)])
    assert result.exit_code == 0, result.output
    candidates = json.loads(out.read_text("utf-8"))
    assert {
        "start": "helsinki",
        "end": "tallinn",
        "doc": "memo",
        "sentence": 1,
        "section": "Helsinki and its neighbours",
        "quote": "Helsinki and Tallinn plan a genuine twin city.",
    } in candidates
    counts = store.counts()

    broken = tmp_path / "broken.csv"
    broken.write_text("key:ID,:LABEL,name_en\nespoo,City,Espoo\nbad,City,=1+1\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(broken)])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert "broken.csv line 3" in result.output.replace("\n", "")
    assert store.counts() == counts

    result = runner.invoke(app, ["load", str(broken), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output
    assert store.counts().nodes["City"] == counts.nodes["City"] + 1
