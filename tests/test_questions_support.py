"""Shared by the question tests: the Helsinki dataset as the loader reads it, and small oracles.

Expectations computed here come from the dataset files (read by the project's own loader, not
through any store), so the question tests keep passing while the dataset grows, and fail when a
question and the files disagree. The oracles are written independently of questions/: plain
loops over records, not the code under test.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from graph.model import Batch, NodeRecord, RelationRecord
from graph.schema import load_schema
from loaders.base import LoadOptions
from loaders.curated import DEFAULT_DATASET, CuratedDatasetLoader

SCHEMA = load_schema()
THEME_LINKS = {"TOUCHES", "KEY_ACTOR_FOR", "LEADS"}


@cache
def helsinki() -> Batch:
    read = CuratedDatasetLoader().read(DEFAULT_DATASET, SCHEMA, LoadOptions())
    assert not read.errors, read.errors
    return read.batch


def nodes() -> dict[str, NodeRecord]:
    return {n.key: n for n in helsinki().nodes}


def relations(rel_type: str | None = None) -> list[RelationRecord]:
    return [r for r in helsinki().relations if rel_type is None or r.type == rel_type]


def theme_family(theme: str) -> set[str]:
    """The theme and every theme below it, following SUBTHEME_OF in the files."""
    children: dict[str, set[str]] = defaultdict(set)
    for rel in relations("SUBTHEME_OF"):
        children[rel.end].add(rel.start)
    family, todo = {theme}, [theme]
    while todo:
        for child in children[todo.pop()] - family:
            family.add(child)
            todo.append(child)
    return family


def working_on(theme: str) -> set[str]:
    """Non-theme entities with a theme link into the theme or one of its sub-themes."""
    family = theme_family(theme)
    kinds = {k: n.kind for k, n in nodes().items()}
    return {
        r.start for r in helsinki().relations if r.type in THEME_LINKS and r.end in family and kinds[r.start] != "Theme"
    }


def own_units(home: str = "helsinki") -> set[str]:
    """The home city and everything PART_OF it at any depth, from the files."""
    inside: dict[str, set[str]] = {}
    for r in relations("PART_OF"):
        inside.setdefault(r.end, set()).add(r.start)
    seen, todo = {home}, [home]
    while todo:
        for part in inside.get(todo.pop(), ()):
            if part not in seen:
                seen.add(part)
                todo.append(part)
    return seen


def actors(keys: set[str]) -> set[str]:
    """Those of `keys` whose kind the schema marks as an actor."""
    return {k for k in keys if SCHEMA.node_kinds[nodes()[k].kind].actor}


def neighbours(key: str) -> set[str]:
    return {r.end for r in relations() if r.start == key} | {r.start for r in relations() if r.end == key}


def test_the_dataset_has_what_the_question_tests_rely_on() -> None:
    """If these fail, the dataset changed under the question tests: update them, not the questions."""
    found = nodes()
    for key in ("helsinki", "tallinn", "beijing", "new-york", "c40", "eurocities", "bloomberg-philanthropies"):
        assert key in found, key
    assert {"Tallinnan"} <= set(found["tallinn"].aliases)
    assert found["beijing"].name_fi == "Peking"
    assert "maas" in theme_family("smart-city"), "MaaS sits under smart mobility, under Smart City"
    assert "helsinki" in working_on("maas")
