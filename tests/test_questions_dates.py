"""`as_of`: every question ignores relations that do not hold on the date asked.

A small hand-made graph whose relations start and end at known dates; each question is asked
before, during and after them. Bounds are inclusive: a relation holds on its `since` and `until`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from test_questions_support import SCHEMA

from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore
from questions.brokers import brokers
from questions.contacts import contacts
from questions.entity import entity
from questions.governance import governance
from questions.neighbourhood import neighbourhood
from questions.partners import partners_by_themes
from questions.paths import paths
from questions.themes import theme_overview

D = dt.date


@pytest.fixture
def dated(store: GraphStore) -> GraphStore:
    nodes = [
        {"key": "helsinki", "kind": "City", "name_fi": "Helsinki"},
        {"key": "tallinn", "kind": "City", "name_en": "Tallinn"},
        {"key": "eurocities", "kind": "Network", "name_en": "Eurocities"},
        {"key": "unit", "kind": "Organisation", "name_en": "International affairs unit"},
        {"key": "anna", "kind": "Person", "name_en": "Anna", "email": "anna@example.org"},
        {"key": "climate", "kind": "Theme", "name_en": "Climate"},
        {"key": "maas", "kind": "Theme", "name_en": "MaaS"},
    ]
    relations = [
        {"start": "helsinki", "type": "PARTNER_OF", "end": "tallinn", "since": "2020-01-01"},
        {"start": "tallinn", "type": "TOUCHES", "end": "maas", "until": "2019-12-31"},
        {"start": "maas", "type": "SUBTHEME_OF", "end": "climate", "since": "2018-01-01"},
        {"start": "helsinki", "type": "MEMBER_OF", "end": "eurocities", "since": "2010-01-01"},
        {"start": "unit", "type": "OWNS_MEMBERSHIP", "end": "eurocities", "since": "2021-01-01"},
        {"start": "anna", "type": "CONTACT_FOR", "end": "eurocities", "until": "2020-06-30"},
        {"start": "anna", "type": "WORKS_FOR", "end": "unit", "since": "2021-01-01"},
        {"start": "helsinki", "type": "TOUCHES", "end": "climate"},
    ]
    store.apply(
        Batch(
            [parse_node(SCHEMA, n, "t") for n in nodes],
            [parse_relation(SCHEMA, r, "t") for r in relations],
        )
    )
    return store


def test_paths_and_neighbourhood(dated: GraphStore) -> None:
    assert paths(dated, "helsinki", "tallinn", as_of=D(2019, 12, 31)).hops == 3  # climate, MaaS: until inclusive
    assert paths(dated, "helsinki", "tallinn", as_of=D(2019, 12, 31), avoid_kinds=["Theme"]).paths == []
    assert paths(dated, "helsinki", "tallinn", as_of=D(2020, 1, 1)).hops == 1  # since is inclusive
    assert paths(dated, "helsinki", "tallinn", as_of=D(2020, 1, 2)).hops == 1
    assert paths(dated, "helsinki", "tallinn", as_of=D(2017, 1, 1)).paths == []  # MaaS not under climate yet
    before = neighbourhood(dated, ["helsinki"], as_of=D(2019, 6, 1)).answer
    assert {n.key for n in before.nodes} == {"helsinki", "eurocities", "climate"}
    assert all(e.type != "PARTNER_OF" for e in before.edges)
    after = neighbourhood(dated, ["helsinki"], as_of=D(2021, 6, 1)).answer
    assert "tallinn" in {n.key for n in after.nodes}


def test_partners_follow_both_the_link_and_the_subtheme_dates(dated: GraphStore) -> None:
    def on_climate(day: dt.date) -> list[str]:
        return [p.entity.key for p in partners_by_themes(dated, ["climate"], as_of=day, include_home=True).partners]

    assert on_climate(D(2017, 6, 1)) == ["helsinki"]  # MaaS not yet under climate
    assert on_climate(D(2019, 6, 1)) == ["helsinki", "tallinn"]  # through MaaS
    assert on_climate(D(2020, 6, 1)) == ["helsinki"]  # Tallinn stopped touching MaaS
    assert {p.entity.key for p in partners_by_themes(dated, ["climate"], include_home=True).partners} == {
        "helsinki",
        "tallinn",
    }
    assert [p.entity.key for p in partners_by_themes(dated, ["climate"]).partners] == ["tallinn"]  # not the home


def test_entity_relations(dated: GraphStore) -> None:
    assert "PARTNER_OF" not in entity(dated, "helsinki", as_of=D(2019, 6, 1)).relations
    partner = entity(dated, "helsinki", as_of=D(2020, 6, 1)).relations["PARTNER_OF"][0]
    assert partner.other.key == "tallinn" and partner.since == D(2020, 1, 1)


def test_contacts(dated: GraphStore) -> None:
    def people(day: dt.date | None) -> set[tuple[str, str]]:
        return {(c.person.key, c.relation) for c in contacts(dated, "eurocities", as_of=day).contacts}

    assert people(D(2020, 6, 30)) == {("anna", "CONTACT_FOR")}  # until is inclusive
    assert people(D(2020, 7, 1)) == set()
    assert people(D(2021, 6, 1)) == {("anna", "WORKS_FOR")}  # through the unit that now owns it
    assert people(None) == {("anna", "CONTACT_FOR"), ("anna", "WORKS_FOR")}


def test_contact_details_only_when_asked(dated: GraphStore) -> None:
    assert all(c.email is None and c.phone is None for c in contacts(dated, "eurocities").contacts)
    shown = contacts(dated, "eurocities", include_personal=True)
    assert shown.includes_personal and {c.email for c in shown.contacts} == {"anna@example.org"}


def test_governance(dated: GraphStore) -> None:
    early = governance(dated, as_of=D(2015, 1, 1))
    assert [(m.member.key, m.network.key) for m in early.memberships_without_owner] == [("helsinki", "eurocities")]
    assert governance(dated, as_of=D(2021, 1, 1)).memberships_without_owner == []
    assert governance(dated, as_of=D(2019, 1, 1)).themes_only_home == []  # Tallinn still on MaaS
    later = governance(dated, as_of=D(2020, 6, 1))
    assert [t.key for t in later.themes_only_home] == ["climate"]
    assert [p.key for p in later.partners_without_theme] == ["eurocities", "tallinn"]
    assert [t.key for t in later.themes_without_partners] == ["maas"]


def test_brokers_and_theme_overview(dated: GraphStore) -> None:
    before = {b.entity.key: b for b in brokers(dated, measure="degree", as_of=D(2019, 6, 1), top=10).brokers}
    after = {b.entity.key: b for b in brokers(dated, measure="degree", as_of=D(2021, 6, 1), top=10).brokers}
    assert before["helsinki"].degree == 1 and after["helsinki"].degree == 2
    themes = {t.key: t for t in theme_overview(dated, as_of=D(2019, 6, 1)).themes}
    assert themes["climate"].children == ["maas"] and themes["climate"].total_links == 2
    themes = {t.key: t for t in theme_overview(dated, as_of=D(2017, 6, 1)).themes}
    assert themes["climate"].children == [] and themes["climate"].total_links == 1
