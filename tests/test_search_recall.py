"""Search recall on a fixed set of Finnish, Swedish and English queries (tests/fixtures/search_queries.yaml).

Each query names what a person would expect at the top; recall@3 is the share of queries with an
expected entity among the first three results (and, for `only: true`, nothing else in them). The
set is written by hand, from what the words mean, and is searched through the app's own index on
every database; the measured recall is printed, by language, and must be at least 0.9.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.store import GraphStore
from questions.search import invalidate, search

QUERIES = Path(__file__).with_name("fixtures") / "search_queries.yaml"
GOAL = 0.9


def queries() -> list[dict[str, Any]]:
    with QUERIES.open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["queries"])


def found(top: list[str], query: dict[str, Any]) -> bool:
    expected = set(query["expect"])
    return bool(expected & set(top[:3])) and (not query.get("only") or set(top[:3]) <= expected)


def test_the_query_set_is_large_and_in_three_languages() -> None:
    by_language: dict[str, int] = {}
    for query in queries():
        assert query["expect"] and isinstance(query["q"], str), query
        by_language[query["lang"]] = by_language.get(query["lang"], 0) + 1
    assert sum(by_language.values()) >= 40 and set(by_language) == {"fi", "sv", "en"}
    assert min(by_language.values()) >= 10, by_language


def test_the_measure_can_fail() -> None:
    """The scoring itself: a miss, noise in an `only` query, and a hit are told apart."""
    query = {"q": "x", "expect": ["c40", "eurocities"], "only": True}
    assert found(["c40", "eurocities"], query) and not found(["helsinki", "c40"], query)
    assert not found(["a", "b", "c", "c40"], {"q": "x", "expect": ["c40"]})


def test_recall_at_3(helsinki_store: GraphStore, capsys: pytest.CaptureFixture[str]) -> None:
    invalidate(helsinki_store)  # the fixture refilled the store behind search's back
    hits: dict[str, list[bool]] = {}
    misses = []
    for query in queries():
        top = [hit.entity.key for hit in search(helsinki_store, query["q"], limit=3).results]
        ok = found(top, query)
        hits.setdefault(query["lang"], []).append(ok)
        if not ok:
            misses.append(f"{query['lang']} {query['q']!r} -> {top}, expected {query['expect']}")
    every = [ok for results in hits.values() for ok in results]
    recall = sum(every) / len(every)
    with capsys.disabled():
        by_language = ", ".join(f"{lang} {sum(r) / len(r):.3f} ({len(r)})" for lang, r in sorted(hits.items()))
        print(f"\nsearch recall@3 on {len(every)} queries: {recall:.3f} ({by_language})")
        for miss in misses:
            print(f"  miss: {miss}")
    assert recall >= GOAL, "\n".join(misses)
