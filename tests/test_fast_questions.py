"""The fast paths of partners by themes, themes, governance and brokers against their plain references.

Each question answers from the in-memory projection (`questions.projection`: arrays, and values
derived from them kept until the database's change counter moves); its reference is the
implementation it replaced, kept beside it: `partners_by_themes(in_database=True)`,
`theme_overview_in_database` and `governance_in_database` read every relation from the database
and group them in Python, `brokers(in_database=True)` builds a networkx graph from the database and
asks networkx for betweenness. On the Helsinki data and on generated graphs (hubs, dates,
sub-themes), on ArcadeDB and on Neo4j, both give the same answer, value for value; the JSON sent
from plain data (`questions.common.Raw`) is the model's, byte for byte; a page built alone is the
page cut from the whole answer; a write is seen by the next question. The search index's build
(one pass over every text, numpy for phrases and postings) is held to a plain per-phrase loop,
the column helpers to numpy's own unique and isin, and an entity's relation order to one sort on
every field.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import numpy as np
import pytest
from test_questions_support import SCHEMA

from bench.generate import generate
from graph.model import Batch, Source, parse_node, parse_relation
from graph.store import GraphStore
from questions import brokers as brokers_module
from questions.brokers import brokers
from questions.columns import distinct, is_in
from questions.common import EntityRef
from questions.entity import Relation, _in_order
from questions.expand import expand
from questions.governance import governance, governance_in_database, governance_raw
from questions.neighbourhood import neighbourhood
from questions.partners import partners_by_themes, partners_page
from questions.paths import paths
from questions.registry import QUESTIONS
from questions.search_index import SearchIndex
from questions.text import tokens, trigrams
from questions.themes import theme_closure, theme_links, theme_overview, theme_overview_in_database

DAYS = [None, dt.date(2010, 1, 1), dt.date(2019, 6, 1), dt.date(2024, 1, 1)]


def same(fast: Any, reference: Any) -> None:
    """Equal as models, as the JSON the API sends, and after a round trip through validation."""
    assert fast == reference
    assert fast.model_dump(mode="json") == reference.model_dump(mode="json")
    assert type(fast).model_validate(fast.model_dump()) == reference


@pytest.fixture
def generated(store: GraphStore) -> tuple[GraphStore, Any]:
    graph = generate(600, seed=11)
    store.apply(graph.batch)
    return store, graph


def partner_cases(themes: list[str], rng: random.Random, count: int) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for _ in range(count):
        cases.append(
            {
                "themes": rng.sample(themes, rng.choice((1, 1, 2, 3))),
                "mode": rng.choice(("all", "any")),
                "kinds": rng.choice((None, ["City"], ["Organisation", "Network"], ["Initiative", "City"])),
                "as_of": rng.choice(DAYS),
                "include_home": rng.random() < 0.3,
                "include_non_actors": rng.random() < 0.3,
            }
        )
    return cases


def check_partners(store: GraphStore, cases: list[dict[str, Any]], home: str) -> int:
    """The fast answer is the reference's; a page of it (ranked on arrays, only the page's partners
    built) is that slice of the whole answer, with the whole answer's count."""
    matched = 0
    for case in cases:
        fast = partners_by_themes(store, home=home, **case)
        same(fast, partners_by_themes(store, home=home, **case, in_database=True))
        count = len(fast.partners)
        for window in (slice(0, 3), slice(1, 4), slice(count - 1, count + 5), slice(count, count + 2)):
            page, total = partners_page(store, case["themes"], window, home=home, **_but_themes(case))
            assert total == count
            expected = fast.model_copy(update={"partners": fast.partners[window]})
            same(page.validate(), expected)
            assert page.json() == expected.model_dump_json(by_alias=True).encode()  # sent as it is
        matched += count
    return matched


def _but_themes(case: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in case.items() if k != "themes"}


def test_partners_by_themes_fast_is_the_reference_on_helsinki(helsinki_store: GraphStore) -> None:
    themes = sorted(k for k, d in helsinki_store.snapshot().nodes(data=True) if d["kind"] == "Theme")
    cases = [{"themes": [t], "mode": "all"} for t in themes]
    cases += [
        {"themes": list(pair), "mode": mode}
        for pair in itertools.combinations(themes[:8], 2)
        for mode in ("all", "any")
    ]
    cases += partner_cases(themes, random.Random(1), 40)
    assert check_partners(helsinki_store, cases, "helsinki") > 0
    # Left out are counted the same way: the home city and its units, and what is no actor.
    assert partners_by_themes(helsinki_store, ["smart-city"]).left_out


def test_partners_by_themes_fast_is_the_reference_on_a_generated_graph(generated: tuple[GraphStore, Any]) -> None:
    store, graph = generated
    themes = graph.keys["Theme"]
    cases = [{"themes": themes[:2]}, {"themes": themes[:3], "mode": "any"}, {"themes": [themes[0]], "as_of": DAYS[2]}]
    cases += partner_cases(themes, random.Random(2), 40)
    assert check_partners(store, cases, graph.keys["City"][0]) > 100
    assert check_partners(store, cases[:10], "helsinki") > 0  # a home the graph lacks: nothing left out for it


def test_a_page_of_the_catalogue_is_the_page_of_its_whole_answer(helsinki_store: GraphStore) -> None:
    """What the API sends for a paged question (`ask_page`: only the page built where the question
    can) is the page cut from its whole answer, for every paged question and a few pages each, and
    its JSON (`ask_page_json`, from plain data where the question builds it so) is that page's, byte
    for byte."""
    samples = {"partners": {"theme": ["smart-city", "climate"], "mode": "any", "include_home": True}}
    for question in QUESTIONS:
        if question.paged is None or question.from_schema is not None:
            continue
        params = question.params.model_validate(samples.get(question.name, {"q": "hel", "key": "c40"}))
        whole = question.ask(helsinki_store, params, include_personal=True)
        count = len(getattr(whole, question.paged.field))
        for limit, offset in ((2, 0), (3, 2), (50, 0), (5, count - 1), (5, count)):
            asked = question.ask_page(helsinki_store, params, limit, max(offset, 0), include_personal=True)
            assert asked == question.page(whole, limit, max(offset, 0)), (question.name, limit, offset)
            sent = question.ask_page_json(helsinki_store, params, limit, max(offset, 0), include_personal=True)
            assert sent == asked.model_dump_json(by_alias=True).encode(), (question.name, limit, offset)
        assert count > 3 or question.run_page is None, question.name  # the partners sample spans pages


def test_theme_overview_fast_is_the_reference(helsinki_store: GraphStore) -> None:
    for as_of in DAYS:
        same(theme_overview(helsinki_store, as_of=as_of), theme_overview_in_database(helsinki_store, as_of=as_of))


def test_theme_overview_fast_is_the_reference_on_a_generated_graph(generated: tuple[GraphStore, Any]) -> None:
    store, _ = generated
    for as_of in DAYS:
        fast = theme_overview(store, as_of=as_of)
        same(fast, theme_overview_in_database(store, as_of=as_of))
        assert any(t.total_links > t.direct_links for t in fast.themes)  # families are counted, not just links


def test_governance_fast_is_the_reference(helsinki_store: GraphStore) -> None:
    cities = sorted(k for k, d in helsinki_store.snapshot().nodes(data=True) if d["kind"] == "City")
    for as_of in DAYS:
        for home in ["helsinki", *cities[:6]]:
            raw = governance_raw(helsinki_store, home=home, as_of=as_of)
            same(raw.validate(), governance_in_database(helsinki_store, home=home, as_of=as_of))
            assert raw.json() == raw.validate().model_dump_json(by_alias=True).encode()  # what the API sends
    found = governance(helsinki_store)
    assert found.memberships_without_owner or found.memberships_with_inferred_owner or found.partners_without_theme


def test_governance_fast_is_the_reference_on_a_generated_graph(generated: tuple[GraphStore, Any]) -> None:
    store, graph = generated
    rng = random.Random(4)
    for as_of in DAYS:
        for home in [graph.keys["City"][0], rng.choice(graph.keys["City"]), rng.choice(graph.keys["Organisation"])]:
            raw = governance_raw(store, home=home, as_of=as_of)
            same(raw.validate(), governance_in_database(store, home=home, as_of=as_of))
            assert raw.json() == raw.validate().model_dump_json(by_alias=True).encode()  # what the API sends
    home = graph.keys["City"][0]
    assert governance(store, home=home).memberships_with_inferred_owner
    # What the generator never makes: a membership no one owns (twice: the last relation counts),
    # a partner of the home city working on no theme, a theme only the home city works on.
    nodes = [
        parse_node(SCHEMA, {"key": key, "kind": kind, "name_en": key}, "t")
        for key, kind in (("lone-net", "Network"), ("lone-org", "Organisation"), ("home-theme", "Theme"))
    ]
    store.apply(
        Batch(
            nodes,
            [
                parse_relation(SCHEMA, {"start": "lone-org", "type": "MEMBER_OF", "end": "lone-net", "key": "m1"}, "t"),
                parse_relation(
                    SCHEMA,
                    {
                        "start": "lone-org",
                        "type": "MEMBER_OF",
                        "end": "lone-net",
                        "key": "m2",
                        "basis": "inferred",
                        "note": "t",
                    },
                    "t",
                ),
                parse_relation(SCHEMA, {"start": home, "type": "PARTNER_OF", "end": "lone-org"}, "t"),
                parse_relation(SCHEMA, {"start": home, "type": "TOUCHES", "end": "home-theme"}, "t"),
            ],
        )
    )
    for as_of in DAYS:
        fast = governance(store, home=home, as_of=as_of)
        same(fast, governance_in_database(store, home=home, as_of=as_of))
    assert fast.memberships_without_owner and fast.partners_without_theme and fast.themes_only_home


def brokers_cases(themes: list[str]) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = [{}, {"measure": "degree"}, {"top": 200}, {"as_of": DAYS[2]}]
    for theme in themes:
        cases += [{"theme": theme}, {"theme": theme, "measure": "degree", "top": 30, "as_of": DAYS[3]}]
    return cases


def test_brokers_fast_is_networkx_on_helsinki(helsinki_store: GraphStore) -> None:
    themes = sorted(k for k, d in helsinki_store.snapshot().nodes(data=True) if d["kind"] == "Theme")
    for case in brokers_cases(themes[:12]):
        same(brokers(helsinki_store, **case), brokers(helsinki_store, **case, in_database=True))


def test_brokers_fast_is_networkx_on_a_generated_graph(
    generated: tuple[GraphStore, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, graph = generated
    themes = graph.keys["Theme"]
    for case in brokers_cases([themes[0], themes[3], themes[-1]]):
        fast = brokers(store, **case)
        same(fast, brokers(store, **case, in_database=True))
        assert fast.brokers and not fast.estimated
    # The estimate from sampled pivots: the same pivots (networkx's draw with seed 7) and sums.
    monkeypatch.setattr(brokers_module, "EXACT_BETWEENNESS_LIMIT", 100)
    monkeypatch.setattr(brokers_module, "PIVOT_BUDGET", 40 * 3_000)
    monkeypatch.setattr(brokers_module, "SOURCE_CELLS", 600 * 7)  # several batches of sources
    for case in ({"top": 50}, {"theme": themes[0]}, {"theme": themes[1], "as_of": DAYS[2]}):
        fast = brokers(store, **case)
        same(fast, brokers(store, **case, in_database=True))
        assert fast.estimated


def test_a_write_is_seen_by_the_next_fast_answer(store: GraphStore) -> None:
    def node(key: str, kind: str) -> Any:
        return parse_node(SCHEMA, {"key": key, "kind": kind, "name_en": key.title()}, "t")

    def rel(start: str, rel_type: str, end: str) -> Any:
        return parse_relation(SCHEMA, {"start": start, "type": rel_type, "end": end}, "t")

    store.apply(
        Batch(
            [
                node("helsinki", "City"),
                node("tallinn", "City"),
                node("c40", "Network"),
                node("maas", "Theme"),
                node("mobility", "Theme"),
            ],
            [rel("maas", "SUBTHEME_OF", "mobility")],
        )
    )
    assert partners_by_themes(store, ["mobility"]).partners == []
    assert [t.total_links for t in theme_overview(store).themes] == [0, 0]
    assert [t.key for t in governance(store).themes_without_partners] == ["maas", "mobility"]
    assert brokers(store).brokers[0].score == 0
    store.apply(
        Batch(
            relations=[
                rel("tallinn", "TOUCHES", "maas"),
                rel("helsinki", "PARTNER_OF", "tallinn"),
                rel("c40", "PARTNER_OF", "tallinn"),
            ]
        )
    )
    assert [p.entity.key for p in partners_by_themes(store, ["mobility"]).partners] == ["tallinn"]
    assert [t.total_links for t in theme_overview(store).themes] == [1, 1]
    assert governance(store).themes_without_partners == []
    assert brokers(store).brokers[0].entity.key == "tallinn"
    store.delete(["tallinn"])
    assert partners_by_themes(store, ["mobility"]).partners == []
    assert brokers(store).brokers[0].score == 0
    same(governance(store), governance_in_database(store))


def test_neighbourhood_kept_to_themes_is_the_reference(generated: tuple[GraphStore, Any]) -> None:
    """Kept to themes, the walk keeps the themes' families and what links to them: the fast path
    takes those from the projection's theme links, the reference from `theme_links` (the database)."""
    store, graph = generated
    themes = graph.keys["Theme"]
    rng = random.Random(6)
    # Theme links that held once: kept to on 2010-01-01, not on the other days.
    cities = graph.keys["City"]
    store.apply(
        Batch(
            relations=[
                parse_relation(
                    SCHEMA,
                    {"start": city, "type": "TOUCHES", "end": themes[1], "since": "2009-01-01", "until": "2011-01-01"},
                    "t",
                )
                for city in cities[5:25]
            ]
        )
    )
    for n in range(16):
        asked, as_of = rng.sample(themes, rng.choice((1, 2))), rng.choice(DAYS)
        seed = rng.choice([n.key for n in graph.batch.nodes])
        if n < 4:
            asked, seed = [themes[1]], cities[0]
        found = neighbourhood(store, [seed], depth=2, themes=asked, as_of=as_of, node_cap=400).answer
        family = set().union(*theme_closure(store, asked, as_of).values())
        keep = family | {link.actor.key for link in theme_links(store, family, as_of)}
        ball = expand(store, [seed], 2, keep=keep, as_of=as_of, node_cap=400, in_database=True)
        assert {n.key: n.depth for n in found.nodes} == {k: d for k, d in ball.depth.items()}
        assert found.truncated == ball.truncated


def test_paths_fast_is_the_reference(helsinki_store: GraphStore) -> None:
    """Paths walk the projection and take their steps' entities and relations from it; the
    reference asks every hop of the database and reads the steps from a snapshot."""
    keys = sorted(helsinki_store.snapshot().nodes)
    rng = random.Random(8)
    cases: list[dict[str, Any]] = [
        {},
        {"avoid_kinds": ["Network"]},
        {"avoid_types": ["MEMBER_OF", "PARTNER_OF"]},
        {"as_of": DAYS[2], "limit": 20},
        {"max_hops": 2},
    ]
    found = 0
    for _ in range(40):
        a, b = rng.sample(keys, 2)
        for case in cases:
            fast = paths(helsinki_store, a, b, **case)
            same(fast, paths(helsinki_store, a, b, **case, in_database=True))
            found += len(fast.paths)
    assert found > 100


def test_paths_fast_is_the_reference_on_a_generated_graph(generated: tuple[GraphStore, Any]) -> None:
    store, graph = generated
    keys = [n.key for n in graph.batch.nodes]
    rng = random.Random(9)
    pairs = [(graph.keys["City"][0], rng.choice(graph.keys["Person"]))] + [
        tuple(rng.sample(keys, 2)) for _ in range(15)
    ]
    # Two relations between the same two entities, one of them over: a step shows only what holds.
    a, b = graph.keys["Organisation"][:2]
    store.apply(
        Batch(
            relations=[
                parse_relation(SCHEMA, {"start": a, "type": "PARTNER_OF", "end": b}, "t"),
                parse_relation(
                    SCHEMA,
                    {"start": b, "type": "PARTNER_OF", "end": a, "since": "2001-01-01", "until": "2005-01-01"},
                    "t",
                ),
            ]
        )
    )
    pairs.append((a, b))
    for a, b in pairs:
        for case in ({"limit": 10}, {"avoid_kinds": ["City"], "as_of": DAYS[3]}, {"avoid_types": ["TOUCHES"]}):
            same(paths(store, a, b, **case), paths(store, a, b, **case, in_database=True))
    assert [len(s.relations) for s in paths(store, a, b).paths[0].steps] == [2]
    assert [len(s.relations) for s in paths(store, a, b, as_of=DAYS[3]).paths[0].steps] == [1]


def test_column_helpers_are_numpys_own() -> None:
    """`distinct` and `is_in` (faster than numpy 2.4's unique and isin) give what those give."""
    rng = np.random.default_rng(3)
    for size in (0, 1, 7, 2_000, 50_000):
        values = rng.integers(0, 1_000, size).astype(np.int32)
        assert np.array_equal(distinct(values), np.unique(values)) and distinct(values).dtype == values.dtype
        for wanted in ([], [3], [0, 999, 5, 5], list(range(0, 1_000, 7))):
            assert np.array_equal(is_in(values, wanted, 1_000), np.isin(values, wanted))


def test_entity_relations_are_ordered_by_every_field_sources_last() -> None:
    """The order of an entity's relations (sources compared only among relations equal in every
    other field) is that of one sort on all the fields, sources as their repr."""
    rng = random.Random(8)
    other = [EntityRef(key=k, kind="City") for k in ("a", "b")]
    group = [
        Relation(
            type="PARTNER_OF",
            direction=rng.choice(["in", "out"]),
            other=rng.choice(other),
            role=rng.choice([None, "lead"]),
            since=rng.choice([None, dt.date(2020, 1, 1)]),
            note=rng.choice([None, "x"]),
            sources=[Source(doc=rng.choice(["d1", "d2", "d10"]), quote=rng.choice(["q", "Q2"]))],
        )
        for _ in range(300)
    ]

    def every_field(r: Relation) -> tuple[str, str, str, dt.date, dt.date, str, str, str]:
        return (r.other.key, r.direction, r.role or "", r.since or dt.date.min, r.until or dt.date.max, r.basis,
                r.note or "", repr(r.sources))  # fmt: skip

    assert _in_order(group) == sorted(group, key=every_field)


def _rows(ragged: Any) -> list[list[int]]:
    return [ragged[row].tolist() for row in range(len(ragged))]


def _search_rows() -> list[dict[str, Any]]:
    """Names of a generated graph, and names that take the build's rare branches."""
    graph = generate(3_000, seed=13)
    rows: list[dict[str, Any]] = [
        {
            "key": n.key,
            "kind": n.kind,
            "name_fi": n.name_fi,
            "name_en": n.name_en,
            "name_sv": n.name_sv,
            "aliases": list(n.aliases),
        }
        for n in graph.batch.nodes
    ]
    rows += [
        {
            "key": "kobenhavn",
            "kind": "City",
            "name_fi": "Kööpenhamina",
            "name_sv": "Köpenhamn",
            "name_en": "Copenhagen",
            "aliases": ["København", "ŁÓDŹ 北京"],
        },
        # a word twice in a phrase; the same words in two names and an alias; a name folding to nothing
        {"key": "nyc", "kind": "City", "name_fi": "New New York", "name_en": "new york", "aliases": ["NEW YORK", "—"]},
        {"key": "x-1", "kind": "Organisation", "name_fi": "a\x1fb", "name_en": 5, "aliases": "not a list"},
        {"key": "many", "kind": "Network", "name_en": "Many", "aliases": [f"alias {i}" for i in range(12)] + [""]},
        {"key": "only-a-key", "kind": "Theme"},
    ]
    return rows


def test_search_phrases_are_the_plain_ones() -> None:
    """The index's phrases and each word's phrases (built in one pass over all the texts, with
    numpy) against the plain reference: entity by entity, text by text, as a loop would."""
    rows = _search_rows()
    index = SearchIndex(rows)
    word_ids: dict[str, int] = {}
    phrases: list[tuple[int, str, str, tuple[int, ...]]] = []
    for entity, row in enumerate(sorted(rows, key=lambda r: str(r["key"]))):
        texts = [(f, row.get(f)) for f in ("name_fi", "name_en", "name_sv")]
        aliases = row.get("aliases")
        texts += [("alias", a) for a in aliases] if isinstance(aliases, list) else []
        texts.append(("key", row["key"]))
        kept: list[tuple[int, ...]] = []
        for field, text in texts:
            if not isinstance(text, str) or not text:
                continue
            words = tuple(word_ids.setdefault(word, len(word_ids)) for word in tokens(text))
            if words and words not in kept:
                kept.append(words)
                phrases.append((entity, field, text, words))
    assert index._word_ids == word_ids
    assert [
        (entity, field, text, tuple(words))
        for entity, field, text, words in zip(
            index._phrase_entity, index._phrase_field, index._phrase_text, _rows(index._phrase_words), strict=True
        )
    ] == phrases
    assert [index._phrase_words.size(i) for i in range(len(phrases))] == [len(p[3]) for p in phrases]
    assert _rows(index._word_phrases) == [[i for i, p in enumerate(phrases) if w in p[3]] for w in range(len(word_ids))]
    assert [h.entity.key for h in index.search("new york", limit=1)] == ["nyc"]
    assert [h.matched for h in index.search("alias 11", limit=1)] == ["alias 11"]


def test_search_postings_are_the_plain_ones() -> None:
    """The index's trigram postings (built on code points in numpy) against the plain reference:
    each word's sorted trigrams from `questions.text.trigrams`, trigram ids in text order."""
    rows = _search_rows()
    index = SearchIndex(rows)
    words = index._words
    grams_of = [sorted(trigrams.__wrapped__(word)) for word in words]
    names = sorted({g for grams in grams_of for g in grams})
    assert index._gram_ids == {g: i for i, g in enumerate(names)}
    assert index._gram_counts.tolist() == [len(grams) for grams in grams_of]
    for gram, i in index._gram_ids.items():
        holding = [w for w, grams in enumerate(grams_of) if gram in grams] if i % 97 == 0 else None
        if holding is not None:
            assert index._entries[index._starts[i] : index._starts[i + 1]].tolist() == holding, gram
    assert int(index._starts[-1]) == sum(len(grams) for grams in grams_of)
    assert [hit.entity.key for hit in index.search("kööpenhamina", None, 3)][:1] == ["kobenhavn"]
