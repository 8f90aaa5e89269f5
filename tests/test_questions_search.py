"""Search: Finnish and English names and aliases, with typos, diacritics and Finnish inflection.

The hard expectations come from the document's own wording ("Tallinnan läheisyys", "Peking",
"Helsingissä"); the dataset-wide check searches every name and alias in the files and expects
its entity at the top. The index is the app's own, so ArcadeDB and Neo4j must answer identically
(every store test runs on both).
"""

from __future__ import annotations

import random
import statistics
import time

import pytest
from reads import reads_of
from test_questions_support import SCHEMA, nodes

from graph.model import Batch, parse_node
from graph.store import GraphStore
from questions.common import QuestionError
from questions.projection import held, projection
from questions.search import INDEX_COLUMNS, index_for, invalidate, kind_words, read_names, search
from questions.search_index import NameColumns, SearchIndex
from questions.text import fold, tokens, variants, word_stream


@pytest.fixture
def helsinki(helsinki_store: GraphStore) -> GraphStore:
    """The dataset; the fixtures refill the store without the write path's signal, so give it here."""
    invalidate(helsinki_store)
    return helsinki_store


@pytest.fixture
def empty(store: GraphStore) -> GraphStore:
    invalidate(store)  # the fixture emptied the store behind search's back
    return store


def top(store: GraphStore, text: str, **options: object) -> list[str]:
    return [hit.entity.key for hit in search(store, text, **options).results]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Tallinnan", "tallinn"),  # genitive, as in "Tallinnan läheisyys"
        ("tallina", "tallinn"),  # a typo
        ("Tallinn", "tallinn"),
        ("Pekingin", "beijing"),
        ("peking", "beijing"),
        ("Beijing", "beijing"),
        ("helsingissä", "helsinki"),  # inessive with ä
        ("HELSINGISSA", "helsinki"),  # without the diacritic, upper case
        ("Helsingfors", "helsinki"),
        ("Kööpenhamina", "copenhagen"),
        ("kopenhamina", "copenhagen"),  # typo and no diacritics
        ("New Yorkin", "new-york"),
        ("Lontoon", "london"),
        ("bloomberg", "bloomberg-philanthropies"),
        ("C40", "c40"),
        ("U20", "urban-20"),
        ("eurocitis", "eurocities"),
        ("Mobility as a Service", "maas"),
        ("liikkuminen palveluna", "maas"),
        ("forum virium", "forum-virium-helsinki"),
    ],
)
def test_finds_the_entity_first(helsinki: GraphStore, text: str, key: str) -> None:
    found = top(helsinki, text)
    assert found and found[0] == key, found[:5]


def test_every_name_and_alias_in_the_files_finds_its_entity(helsinki: GraphStore) -> None:
    misses = []
    for key, node in nodes().items():
        for text in (node.name_fi, node.name_en, *node.aliases):
            if not text:
                continue
            results = search(helsinki, text, limit=100).results
            best = results[0].score if results else 0.0
            if key not in [hit.entity.key for hit in results if hit.score == best]:
                misses.append(f"{text!r} -> {[hit.entity.key for hit in results[:3]]}, not {key}")
    assert not misses, "\n".join(misses)


def test_the_index_reads_the_columns_it_names(helsinki: GraphStore) -> None:
    """The index is built from plain value lists (one per entity, in INDEX_COLUMNS order), and
    `read_names` puts each value in its column: the entities' own properties, as a snapshot has them."""
    nodes = helsinki.snapshot().nodes(data=True)
    stored = [{column: data.get(column) for column in INDEX_COLUMNS} for _, data in nodes]
    expected = NameColumns.of(stored)
    assert read_names(helsinki) == expected
    assert any(expected.aliases) and any(expected.names_sv) and len(expected.keys) == len(stored) > 100


def test_results_are_ranked_and_filtered(helsinki: GraphStore) -> None:
    answer = search(helsinki, "helsinki", limit=10)
    scores = [hit.score for hit in answer.results]
    assert scores == sorted(scores, reverse=True) and answer.results[0].entity.key == "helsinki"
    assert answer.results[0].score == 1.0 and len(answer.results) == 10
    organisations = search(helsinki, "helsinki", kinds=["Organisation"], limit=5)
    assert organisations.results and {hit.entity.kind for hit in organisations.results} == {"Organisation"}
    assert organisations.kinds == ["Organisation"]
    assert top(helsinki, "helsinki", kinds=["City"], limit=1) == ["helsinki"]
    assert search(helsinki, "xyzzyq").results == []
    assert search(helsinki, "   ").results == []
    with pytest.raises(QuestionError):
        search(helsinki, "helsinki", kinds=["Planet"])
    with pytest.raises(QuestionError):
        search(helsinki, "helsinki", limit=0)


def test_ties_are_broken_the_same_way_every_time(helsinki: GraphStore) -> None:
    first = search(helsinki, "helsinki", limit=50)
    again = search(helsinki, "helsinki", limit=50)
    assert first == again
    for a, b in zip(first.results, first.results[1:], strict=False):
        if a.score == b.score and (a.field in ("name_fi", "name_en")) == (b.field in ("name_fi", "name_en")):
            assert a.entity.key < b.entity.key


def test_the_index_follows_writes(empty: GraphStore) -> None:
    store = empty

    def node(name: str) -> Batch:
        return Batch([parse_node(SCHEMA, {"key": "tku", "kind": "City", "name_fi": name}, "t")])

    assert search(store, "Turku").results == []
    store.apply(node("Turku"))  # one more entity: the count changes, no signal needed
    assert top(store, "Turku") == ["tku"]
    store.apply(node("Åbo"))  # same count, new name: the write path signals it
    invalidate(store)
    assert top(store, "abo") == ["tku"]
    assert search(store, "Turku").results == []


def test_the_index_is_built_from_the_projection_when_it_is_current(
    helsinki: GraphStore,
) -> None:
    """A graph question has built the projection at this very change counter: the index takes its
    names from it, reads no name, and is the index one read of the names gives, query by query."""
    built = projection(helsinki)
    assert held(helsinki, helsinki.data_version()) is built
    words = kind_words(helsinki.schema)
    from_read = SearchIndex.from_columns(read_names(helsinki), words)
    invalidate(helsinki)
    with reads_of(helsinki) as reads:
        from_projection = index_for(helsinki)
    assert "q_entity_names" not in reads
    assert from_projection.entities == from_read.entities and from_projection._word_ids == from_read._word_ids
    queries = [text for node in nodes().values() for text in (node.name_fi, node.name_en, *node.aliases) if text]
    queries += ["helsingissä", "kaupunkiverkostot", "city networks", "eurocitis", "tallinna"]
    for query in queries:
        assert from_projection.search(query, limit=10) == from_read.search(query, limit=10), query


def test_an_index_built_after_a_write_reads_the_names(empty: GraphStore) -> None:
    """The projection is of the counter before the write: the next search reads the new name."""
    store = empty
    store.apply(Batch([parse_node(SCHEMA, {"key": "tku", "kind": "City", "name_fi": "Turku"}, "t")]))
    projection(store)
    assert top(store, "Turku") == ["tku"]
    renamed = {"key": "tku", "kind": "City", "name_fi": "Åbo", "aliases": ["Turku"]}
    store.apply(Batch([parse_node(SCHEMA, renamed, "t")]))
    assert held(store, store.data_version()) is None
    assert top(store, "abo") == ["tku"] and search(store, "Turku").results[0].field == "alias"


def test_word_stream_is_the_folded_words_of_each_text() -> None:
    """One pass over all the texts gives what folding each gives, whatever the texts hold."""
    texts = ["Kööpenhamina", "Straße 5", "", "—", "New  New York", "a\x1fb", "ŁÓDŹ 北京", "ΑΣ ς", "C40"]
    ascii_after_folding = ["Reykjavík, Ísland!", "C40 (Cities)", "a_b-c.d/e", "tab\tand\nnewline\x7f", "~`@#", "ÅÄÖ"]
    for chosen in (texts, texts[:5], texts[6:], [], ["x"], ascii_after_folding):
        assert word_stream(chosen, "|") == " | ".join(fold(text) for text in chosen).split(), chosen


@pytest.mark.parametrize("hash_base", [1_000_003, 1])  # base 1: the hash ignores word order, so "a b" meets "b a"
def test_an_entity_s_repeated_phrases_are_indexed_once(hash_base: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A phrase with the words of an earlier one of the same entity is left out, whatever the hash
    says: equal words only, compared word by word."""
    import questions.search_index as search_index

    monkeypatch.setattr(search_index, "_HASH_BASE", hash_base)
    rows: list[dict[str, object]] = [
        {"key": "x1", "kind": "City", "name_fi": "Alfa Beta", "name_en": "alfa beta", "name_sv": "Beta Alfa",
         "aliases": ["beta alfa", "ALFA  beta", "", 7, "Gamma"]},
        {"key": "x2", "kind": "City", "name_fi": "Alfa Beta", "aliases": ("not", "a list")},
        {"key": "x3", "kind": "City", "name_en": "Beta Alfa", "aliases": ["alfa beta", "Beta Alfa"]},
    ]  # fmt: skip
    index = SearchIndex(rows)
    kept = [(index.entities[e].key, text, field) for e, text, field in
            zip(index._phrase_entity, index._phrase_text, index._phrase_field, strict=True)]  # fmt: skip
    assert kept == [
        ("x1", "Alfa Beta", "name_fi"), ("x1", "Beta Alfa", "name_sv"), ("x1", "Gamma", "alias"), ("x1", "x1", "key"),
        ("x2", "Alfa Beta", "name_fi"), ("x2", "x2", "key"),
        ("x3", "Beta Alfa", "name_en"), ("x3", "alfa beta", "alias"), ("x3", "x3", "key"),
    ]  # fmt: skip
    assert index.search("gamma")[0].entity.key == "x1"


def test_folding_and_finnish_variants() -> None:
    assert fold("Kööpenhamina") == "koopenhamina"
    assert fold("Reykjavík, Ísland!") == "reykjavik island"
    assert tokens("New York – New Yorkin") == ["new", "york", "yorkin"]
    assert "helsinki" in variants("helsingissa")  # consonant gradation undone
    assert "tallinna" in variants("tallinnan")
    assert variants("c40") == ("c40",)  # short words are left alone


@pytest.mark.slow
def test_a_query_takes_a_few_milliseconds_over_100k_entities() -> None:
    """An inverted trigram index, not a scan: median query time stays in the milliseconds."""
    rng = random.Random(5)
    syllables = ["ka", "lo", "mi", "ta", "ne", "ra", "su", "vi", "po", "le", "ho", "ki", "bre", "gan", "dor", "vel"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()

    rows = []
    for i in range(100_000):
        first, second = word(), word()
        rows.append(
            {"key": f"n{i}", "kind": "City", "name_fi": f"{first} {second}", "aliases": [first + "n", first + "ssa"]}
        )
    index = SearchIndex(rows)
    queries = [str(rows[rng.randrange(len(rows))]["name_fi"]).split()[0] for _ in range(200)]
    queries += [q[:-1] + "ssa" for q in queries[:50]] + ["helsingissä", "tallinna", "xq"]
    index.search(queries[0])  # warm up
    timings = []
    for query in queries:
        started = time.perf_counter()
        index.search(query)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    assert median < 0.010, f"median {median * 1000:.1f} ms"
    assert index.search(str(rows[123]["aliases"][0]).lower(), limit=100)  # and it still finds things


def test_a_slow_rebuild_runs_in_the_background(empty: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large graph a rebuild takes seconds: searches keep answering from the old index meanwhile."""
    import questions.search as module

    store = empty
    store.apply(Batch([parse_node(SCHEMA, {"key": "tku", "kind": "City", "name_fi": "Turku"}, "t")]))
    assert top(store, "Turku") == ["tku"]
    monkeypatch.setattr(module, "BACKGROUND_AFTER", -1.0)  # treat every rebuild as slow
    store.apply(Batch([parse_node(SCHEMA, {"key": "tre", "kind": "City", "name_fi": "Tampere"}, "t")]))
    deadline = time.monotonic() + 10
    while not top(store, "Tampere"):  # the first searches may still see the old index
        assert time.monotonic() < deadline, "the background rebuild never landed"
        time.sleep(0.05)
    assert top(store, "Turku") == ["tku"]
