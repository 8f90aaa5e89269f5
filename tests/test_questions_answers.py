"""Each question on the Helsinki dataset, with expected answers written from the policy document.

The document says: Helsinki aims at a genuine twin city with Tallinn; Bloomberg Philanthropies is
among the new partners; the city is a founding member of Mastercard's City Possible; every network
membership must have a clear owner; Helsinki is a pioneer of Mobility as a Service. The dataset
models these (data/helsinki), and the questions must find them on every server.
"""

from __future__ import annotations

import datetime as dt

import pytest

from graph.model import Batch, parse_node, parse_relation
from graph.schema import load_schema
from graph.store import GraphStore
from questions.brokers import brokers
from questions.common import NotFound
from questions.contacts import contacts
from questions.entity import entity
from questions.governance import governance
from questions.neighbourhood import neighbourhood
from questions.partners import partners_by_themes
from questions.paths import paths
from questions.themes import theme_overview

SCHEMA = load_schema()


def test_entity_has_properties_relations_by_type_and_quotes(helsinki_store: GraphStore) -> None:
    tallinn = entity(helsinki_store, "tallinn")
    assert tallinn.kind == "City" and tallinn.name_fi == "Tallinna" and "Tallinnan" in tallinn.aliases
    twin = [r for r in tallinn.relations["PARTNER_OF"] if r.other.key == "helsinki"]
    assert twin and "twin" in (twin[0].role or "")
    assert any("kaksoiskaupungin" in s.quote for s in twin[0].sources)
    assert tallinn.sources and all(s.doc == "helsinki-international-priorities.fi" for s in tallinn.sources)
    with pytest.raises(NotFound):
        entity(helsinki_store, "atlantis")


def test_partners_touching_maas_and_smart_city(helsinki_store: GraphStore) -> None:
    both = partners_by_themes(helsinki_store, ["maas", "smart-city"])
    keys = [p.entity.key for p in both.partners]
    assert "helsinki" in keys  # "Helsinki on Mobility as a Service -konseptin edelläkävijä maailmassa."
    for partner in both.partners:
        assert set(partner.themes) == {"maas", "smart-city"}
        assert {m.theme for m in partner.matches} == {"maas", "smart-city"}
    either = partners_by_themes(helsinki_store, ["maas", "smart-city"], mode="any")
    assert set(keys) < {p.entity.key for p in either.partners}
    with pytest.raises(NotFound):
        partners_by_themes(helsinki_store, ["no-such-theme"])


def test_subthemes_count_for_their_theme(helsinki_store: GraphStore) -> None:
    """MaaS sits under transport and mobility: whoever touches MaaS touches transport too."""
    maas = {p.entity.key for p in partners_by_themes(helsinki_store, ["maas"]).partners}
    transport = partners_by_themes(helsinki_store, ["transport-mobility"])
    assert maas <= {p.entity.key for p in transport.partners}
    via = {m.via_theme for p in transport.partners for m in p.matches}
    assert "maas" in via


def test_contact_for_c40(helsinki_store: GraphStore) -> None:
    answer = contacts(helsinki_store, "c40")
    assert answer.contacts and answer.contacts[0].relation == "CONTACT_FOR"
    assert answer.contacts[0].person.kind == "Person"
    assert all(c.email is None and c.phone is None for c in answer.contacts)


def test_contact_details_only_when_asked(store: GraphStore) -> None:
    batch = Batch(
        [
            parse_node(SCHEMA, {"key": "c40", "kind": "Network", "name_en": "C40"}, "t"),
            parse_node(SCHEMA, {"key": "anna", "kind": "Person", "name_en": "Anna", "email": "anna@example.org"}, "t"),
        ],
        [parse_relation(SCHEMA, {"start": "anna", "type": "CONTACT_FOR", "end": "c40"}, "t")],
    )
    store.apply(batch)
    assert contacts(store, "c40").contacts[0].email is None
    assert contacts(store, "c40", include_personal=True).contacts[0].email == "anna@example.org"


def test_how_we_are_connected_to_bloomberg(helsinki_store: GraphStore) -> None:
    answer = paths(helsinki_store, "helsinki", "bloomberg-philanthropies")
    assert [[n.key for n in p.nodes] for p in answer.paths] == [["helsinki", "bloomberg-philanthropies"]]
    assert answer.paths[0].steps[0].types == ["PARTNER_OF"]


def test_paths_can_avoid_kinds_and_types(helsinki_store: GraphStore) -> None:
    direct = paths(helsinki_store, "tallinn", "c40", max_hops=3)
    assert direct.paths and all(len(p.steps) == 2 for p in direct.paths)
    assert all(p.nodes[1].key == "helsinki" for p in direct.paths)
    around = paths(helsinki_store, "tallinn", "c40", max_hops=3, avoid_kinds=("City",))
    assert all("helsinki" not in [n.key for n in p.nodes] for p in around.paths)
    no_partners = paths(helsinki_store, "helsinki", "bloomberg-philanthropies", max_hops=1, avoid_types=("PARTNER_OF",))
    assert no_partners.paths == []


def test_neighbourhood_depth_and_filters(helsinki_store: GraphStore) -> None:
    one = neighbourhood(helsinki_store, ["tallinn"], depth=1)
    assert {n.key for n in one.answer.nodes} >= {"tallinn", "helsinki"}
    assert {n.depth for n in one.answer.nodes} == {0, 1}
    two = neighbourhood(helsinki_store, ["tallinn"], depth=2)
    assert len(two.answer.nodes) > len(one.answer.nodes)
    cities = neighbourhood(helsinki_store, ["tallinn"], depth=2, kinds=["City"])
    assert {n.kind for n in cities.answer.nodes} == {"City"}
    capped = neighbourhood(helsinki_store, ["helsinki"], depth=2, node_cap=10)
    assert capped.answer.truncated and len(capped.answer.nodes) == 10 and capped.answer.message
    assert set(capped.graph.nodes) == {n.key for n in capped.answer.nodes}


def test_governance_checks(helsinki_store: GraphStore) -> None:
    answer = governance(helsinki_store)
    # The dataset gives every membership an owner, as the document requires.
    assert answer.memberships_without_owner == []
    assert all(t.kind == "Theme" for t in answer.themes_without_partners)
    assert all(p.kind in ("City", "Organisation", "Network") for p in answer.partners_without_theme)


def test_governance_finds_a_membership_without_owner(store: GraphStore) -> None:
    nodes = [
        parse_node(SCHEMA, {"key": "helsinki", "kind": "City", "name_fi": "Helsinki"}, "t"),
        parse_node(SCHEMA, {"key": "eurocities", "kind": "Network", "name_en": "Eurocities"}, "t"),
        parse_node(SCHEMA, {"key": "culture", "kind": "Theme", "name_en": "Culture"}, "t"),
    ]
    store.apply(
        Batch(nodes, [parse_relation(SCHEMA, {"start": "helsinki", "type": "MEMBER_OF", "end": "eurocities"}, "t")])
    )
    answer = governance(store)
    assert [(m.member.key, m.network.key) for m in answer.memberships_without_owner] == [("helsinki", "eurocities")]
    assert [t.key for t in answer.themes_without_partners] == ["culture"]
    assert [p.key for p in answer.partners_without_theme] == ["eurocities"]


def test_brokers(helsinki_store: GraphStore) -> None:
    overall = brokers(helsinki_store, top=3)
    assert overall.brokers[0].entity.key == "helsinki"  # the city is the hub of its own policy
    by_degree = brokers(helsinki_store, measure="degree", top=3)
    assert by_degree.brokers[0].entity.key == "helsinki"
    climate = brokers(helsinki_store, theme="climate", top=5)
    assert len(climate.brokers) == 5


def test_as_of_ignores_relations_outside_their_dates(store: GraphStore) -> None:
    nodes = [
        parse_node(SCHEMA, {"key": "helsinki", "kind": "City", "name_fi": "Helsinki"}, "t"),
        parse_node(SCHEMA, {"key": "tallinn", "kind": "City", "name_en": "Tallinn"}, "t"),
        parse_node(SCHEMA, {"key": "maas", "kind": "Theme", "name_en": "MaaS"}, "t"),
    ]
    relations = [
        parse_relation(
            SCHEMA, {"start": "helsinki", "type": "PARTNER_OF", "end": "tallinn", "since": "2020-01-01"}, "t"
        ),
        parse_relation(SCHEMA, {"start": "tallinn", "type": "TOUCHES", "end": "maas", "until": "2019-12-31"}, "t"),
    ]
    store.apply(Batch(nodes, relations))
    assert paths(store, "helsinki", "tallinn", as_of=dt.date(2019, 6, 1)).paths == []
    assert paths(store, "helsinki", "tallinn", as_of=dt.date(2021, 6, 1)).paths
    assert [p.entity.key for p in partners_by_themes(store, ["maas"], as_of=dt.date(2019, 6, 1)).partners] == [
        "tallinn"
    ]
    assert partners_by_themes(store, ["maas"], as_of=dt.date(2020, 6, 1)).partners == []
    assert "PARTNER_OF" not in entity(store, "helsinki", as_of=dt.date(2019, 6, 1)).relations
    assert {n.key for n in neighbourhood(store, ["helsinki"], as_of=dt.date(2019, 6, 1)).answer.nodes} == {"helsinki"}


def test_theme_overview_lists_the_documents_themes(helsinki_store: GraphStore) -> None:
    themes = {t.key: t for t in theme_overview(helsinki_store).themes}
    assert {t.theme_type for t in themes.values()} >= {"megatrend", "focus_area", "goal"}
    assert sum(t.theme_type == "focus_area" for t in themes.values()) == 6
    assert "transport-mobility" in themes["smart-mobility"].parents or "smart-mobility" in themes["maas"].parents
