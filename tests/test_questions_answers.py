"""Each question on the Helsinki dataset, with expected answers written from the policy document.

The document says: Helsinki aims at a genuine twin city with Tallinn; Bloomberg Philanthropies is
among the new partners; the city is a founding member of Mastercard's City Possible; every network
membership must have a clear owner; Helsinki is a pioneer of Mobility as a Service. The dataset
models these (data/helsinki), and the questions must find them on every server. Where a hard-coded
answer would only restate the files, the expectation is computed from the files instead
(tests/test_questions_support.py), independently of the code under test.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest
from reads import reads_of
from test_questions_support import (
    THEME_LINKS,
    actors,
    neighbours,
    nodes,
    own_units,
    relations,
    theme_family,
    working_on,
)

from graph.store import GraphStore, NotFound
from questions.brokers import brokers
from questions.common import QuestionError
from questions.contacts import contacts
from questions.entity import entity
from questions.governance import governance
from questions.neighbourhood import neighbourhood
from questions.partners import partners_by_themes
from questions.paths import paths
from questions.themes import list_themes, theme_overview

PARTNER_KINDS = {"City", "Organisation", "Network"}


def test_entity_has_properties_relations_by_type_and_quotes(helsinki_store: GraphStore) -> None:
    tallinn = entity(helsinki_store, "tallinn")
    assert tallinn.kind == "City" and tallinn.name_fi == "Tallinna" and "Tallinnan" in tallinn.aliases
    twin = [r for r in tallinn.relations["PARTNER_OF"] if r.other.key == "helsinki"]
    assert twin and "twin" in (twin[0].role or "")
    assert any("kaksoiskaupungin" in (s.quote or "") for s in twin[0].sources)
    assert tallinn.sources and tallinn.sources[0].doc == "helsinki-international-priorities.fi"
    # The Swedish name is the curators' (the policy document is Finnish): its source says so.
    assert tallinn.name_sv == "Tallinn"
    assert [s.doc for s in tallinn.sources if "Swedish" in (s.quote or "")] == ["curator-notes.en"]
    with pytest.raises(NotFound):
        entity(helsinki_store, "atlantis")


def test_entity_relations_match_the_files(helsinki_store: GraphStore) -> None:
    for key in ("helsinki", "c40", "director-international-affairs", "maas"):
        answer = entity(helsinki_store, key)
        got = Counter({name: len(group) for name, group in answer.relations.items()})
        expected = Counter(r.type for r in relations() if key in (r.start, r.end))
        assert got == expected, key
        for group in answer.relations.values():
            for rel in group:
                assert rel.direction in ("out", "in") and rel.other.key in neighbours(key)
        assert not {"email", "phone", "search_text"} & set(answer.properties)


def test_partners_touching_maas_and_smart_city(helsinki_store: GraphStore) -> None:
    """Partners are actors, never the home city, its own units or a law (unless asked for)."""
    both = partners_by_themes(helsinki_store, ["maas", "smart-city"])
    keys = [p.entity.key for p in both.partners]
    working = working_on("maas") & working_on("smart-city")
    assert set(keys) == actors(working) - own_units()
    assert "helsinki" not in keys and "transport-code" not in keys  # the city itself; the Act on Transport Services
    assert nodes()["transport-code"].properties["initiative_type"] == "law"
    assert both.home == "helsinki"
    left_out = {"home": len(working & own_units()), "non_actors": len(working - own_units() - actors(working))}
    assert both.left_out == {k: v for k, v in left_out.items() if v} and sum(both.left_out.values()) >= 2
    everyone = partners_by_themes(helsinki_store, ["maas", "smart-city"], include_home=True, include_non_actors=True)
    keys = [p.entity.key for p in everyone.partners]
    assert set(keys) == working and everyone.left_out == {}
    assert keys[0] == "helsinki"  # "Helsinki on Mobility as a Service -konseptin edelläkävijä maailmassa."
    for partner in everyone.partners:
        assert set(partner.themes) == {"maas", "smart-city"}
        assert {m.theme for m in partner.matches} == {"maas", "smart-city"}
        assert all(m.via_theme in theme_family(m.theme) for m in partner.matches)
    either = partners_by_themes(helsinki_store, ["maas", "smart-city"], mode="any")
    any_working = working_on("maas") | working_on("smart-city")
    assert {p.entity.key for p in either.partners} == actors(any_working) - own_units()
    assert {"london", "new-york"} <= {p.entity.key for p in either.partners}
    with pytest.raises(NotFound):
        partners_by_themes(helsinki_store, ["no-such-theme"])
    with pytest.raises(QuestionError):
        partners_by_themes(helsinki_store, ["maas"], kinds=["Planet"])


def test_subthemes_count_for_their_theme(helsinki_store: GraphStore) -> None:
    """MaaS sits under smart mobility, under transport and mobility: who touches MaaS touches transport."""
    # Only the city itself and a law work on MaaS: count them in.
    everyone = partial(
        partners_by_themes, include_home=True, include_non_actors=True
    )  # only the city and a law do MaaS
    maas = {p.entity.key for p in everyone(helsinki_store, ["maas"]).partners}
    transport = everyone(helsinki_store, ["transport-mobility"])
    assert maas <= {p.entity.key for p in transport.partners}
    via = {m.via_theme for p in transport.partners for m in p.matches}
    assert "maas" in via
    cities = partners_by_themes(helsinki_store, ["smart-city"], kinds=["City"])
    assert cities.partners and {p.entity.kind for p in cities.partners} == {"City"}


def test_contact_for_c40(helsinki_store: GraphStore) -> None:
    """ "Who is our contact for C40": no one is named, so the rule's membership-owner step finds the
    people of the unit owning the membership, inferred because the ownership is."""
    answer = contacts(helsinki_store, "C40")  # a name (alias) works as well as the key
    assert answer.key == "c40" and answer.resolved and answer.resolved.entity.key == "c40"
    linked = {r.start for r in relations() if r.end == "c40" and r.type in ("CONTACT_FOR", "WORKS_FOR", "HOLDS_ROLE")}
    assert {c.person.key for c in answer.contacts if c.step == "direct"} == linked
    owners = {r.start: r.basis for r in relations("OWNS_MEMBERSHIP") if r.end == "c40"}
    assert owners == {"international-affairs-unit": "inferred"}
    assert answer.found_by == ("direct" if linked else "membership_owner")
    via_owner = [c for c in answer.contacts if c.step == "membership_owner"]
    assert "director-international-affairs" in {c.person.key for c in via_owner}
    assert all(c.via in owners and c.via_relation == "OWNS_MEMBERSHIP" for c in via_owner)
    assert all(c.basis == "inferred" and c.via_basis == "inferred" for c in via_owner)
    assert all(c.email is None and c.phone is None for c in answer.contacts)


def test_contacts_by_key_take_one_read_and_answer_as_by_name(
    helsinki_store: GraphStore,
) -> None:
    """A key resolves and finds its contacts in one statement; a name, an alias or a theme reads
    more, and every way gives the same contacts."""
    by_key = {key: contacts(helsinki_store, key) for key in ("c40", "helsinki", "tallinn", "smart-city", "new-york")}
    with reads_of(helsinki_store) as names:
        contacts(helsinki_store, "c40")
    assert names == ["q_contacts"]
    for asked in ("C40", "Tallinna", "c40 ", "Helsingfors"):
        answer = contacts(helsinki_store, asked)
        assert answer.contacts == by_key[answer.key].contacts and answer.found_by == by_key[answer.key].found_by
    assert {s for answer in by_key.values() for s in [answer.found_by]} >= {"direct", "leading_unit"}


def test_one_contact_rule_for_every_entity(helsinki_store: GraphStore) -> None:
    """New York has no contact and no membership: the leading unit's head is found, and says so."""
    coordinators = {r.start for r in relations("COORDINATES") if r.end == "helsinki"}
    leaders = {r.start for r in relations("LEADS") if r.end in coordinators and nodes()[r.start].kind == "Person"}
    assert leaders, "the dataset names who leads the coordinating unit"
    for key in ("new-york", "tallinn", "bloomberg-philanthropies"):
        assert not {r.start for r in relations() if r.end == key and nodes()[r.start].kind == "Person"}
        answer = contacts(helsinki_store, key)
        assert answer.found_by == "leading_unit", key
        assert {c.person.key for c in answer.contacts} == leaders
        assert all(
            c.step == "leading_unit" and c.basis == "inferred" and c.relation == "LEADS" for c in answer.contacts
        )
        assert all(c.via in coordinators and c.via_relation == "COORDINATES" for c in answer.contacts)
    # Where someone is linked directly, the rule stops there: the unit's own people.
    unit = contacts(helsinki_store, "international-affairs-unit")
    assert unit.found_by == "direct" and {c.step for c in unit.contacts} == {"direct"}
    # A membership owned by a unit: its people, after anyone linked directly.
    eurocities = contacts(helsinki_store, "eurocities")
    steps = [c.step for c in eurocities.contacts]
    assert "membership_owner" in steps and steps == sorted(steps, key=["direct", "membership_owner"].index)


def test_contacts_through_the_membership_owner(helsinki_store: GraphStore) -> None:
    """Eurocities' membership is owned by a unit: the unit's people are contacts for it too."""
    owners = {r.start for r in relations("OWNS_MEMBERSHIP") if r.end == "eurocities"}
    staff = {r.start for r in relations() if r.end in owners and r.type in ("WORKS_FOR", "HOLDS_ROLE")}
    answer = contacts(helsinki_store, "eurocities")
    assert {c.person.key for c in answer.contacts if c.via} == staff
    assert {c.via for c in answer.contacts if c.via} <= owners
    direct = [c.via is None for c in answer.contacts]
    assert direct == sorted(direct, reverse=True)  # direct links first
    assert all(c.step == "membership_owner" for c in answer.contacts if c.via)


def test_contacts_of_a_theme_include_its_subthemes(helsinki_store: GraphStore) -> None:
    answer = contacts(helsinki_store, "smart-city")
    direct = [c for c in answer.contacts if c.step != "leading_unit"]
    assert all(c.target in theme_family("smart-city") for c in direct)
    # No one is linked to the theme or its sub-themes here: the rule's last step answers.
    assert direct or answer.found_by == "leading_unit"
    assert all(c.target == "helsinki" for c in answer.contacts if c.step == "leading_unit")
    with pytest.raises(NotFound):
        contacts(helsinki_store, "atlantis")


def test_how_we_are_connected_to_bloomberg(helsinki_store: GraphStore) -> None:
    answer = paths(helsinki_store, "helsinki", "bloomberg-philanthropies")
    assert [[n.key for n in p.nodes] for p in answer.paths] == [["helsinki", "bloomberg-philanthropies"]]
    assert answer.paths[0].steps[0].types == ["PARTNER_OF"]
    assert answer.hops == 1 and answer.paths[0].hops == 1 and not answer.more
    relation = answer.paths[0].steps[0].relations[0]
    assert relation.type == "PARTNER_OF" and relation.role == "new partner"


def test_paths_can_avoid_kinds_and_types(helsinki_store: GraphStore) -> None:
    direct = paths(helsinki_store, "tallinn", "c40", max_hops=3)
    assert direct.paths and all(len(p.steps) == 2 for p in direct.paths)
    assert all(p.nodes[1].key == "helsinki" for p in direct.paths)
    around = paths(helsinki_store, "tallinn", "c40", max_hops=3, avoid_kinds=("City",))
    assert all("helsinki" not in [n.key for n in p.nodes] for p in around.paths)
    no_partners = paths(helsinki_store, "helsinki", "bloomberg-philanthropies", max_hops=1, avoid_types=("PARTNER_OF",))
    assert no_partners.paths == [] and no_partners.hops is None


def test_london_and_new_york_through_data_ethics(helsinki_store: GraphStore) -> None:
    """Both cooperate with Helsinki on the ethical use of data: three two-step connections."""
    every = paths(helsinki_store, "london", "new-york", limit=10)
    middles = [p.nodes[1].key for p in every.paths]
    assert middles == sorted(middles) and {"helsinki", "data-ethics", "data-ethics-cooperation"} <= set(middles)
    no_partners = paths(helsinki_store, "london", "new-york", avoid_types=["PARTNER_OF"], limit=10)
    assert "helsinki" not in {p.nodes[1].key for p in no_partners.paths}
    assert all("PARTNER_OF" not in s.types for p in no_partners.paths for s in p.steps)
    only_cities = paths(helsinki_store, "london", "new-york", avoid_kinds=["Theme", "Initiative"], limit=10)
    assert [[n.key for n in p.nodes] for p in only_cities.paths] == [["london", "helsinki", "new-york"]]
    first = paths(helsinki_store, "london", "new-york", limit=1)
    assert first.more and len(first.paths) == 1 and first.paths[0] == every.paths[0]


def test_paths_refuse_bad_questions(helsinki_store: GraphStore) -> None:
    with pytest.raises(QuestionError):
        paths(helsinki_store, "helsinki", "c40", avoid_kinds=["Planet"])
    with pytest.raises(QuestionError):
        paths(helsinki_store, "helsinki", "c40", avoid_types=["LOVES"])
    with pytest.raises(QuestionError):
        paths(helsinki_store, "helsinki", "c40", max_hops=0)
    with pytest.raises(NotFound):
        paths(helsinki_store, "helsinki", "atlantis")


def test_neighbourhood_depth_and_filters(helsinki_store: GraphStore) -> None:
    one = neighbourhood(helsinki_store, ["tallinn"], depth=1)
    assert {n.key for n in one.answer.nodes} == {"tallinn"} | neighbours("tallinn")
    assert {n.depth for n in one.answer.nodes} == {0, 1}
    two = neighbourhood(helsinki_store, ["tallinn"], depth=2)
    assert len(two.answer.nodes) > len(one.answer.nodes)
    assert set(two.graph.nodes) == {n.key for n in two.answer.nodes}
    cities = neighbourhood(helsinki_store, ["tallinn"], depth=2, kinds=["City"])
    assert {n.kind for n in cities.answer.nodes} == {"City"}
    capped = neighbourhood(helsinki_store, ["helsinki"], depth=2, node_cap=10)
    assert capped.answer.truncated and len(capped.answer.nodes) == 10 and capped.answer.message
    assert set(capped.graph.nodes) == {n.key for n in capped.answer.nodes}


def test_neighbourhood_by_theme_keeps_what_works_on_it(helsinki_store: GraphStore) -> None:
    climate = neighbourhood(helsinki_store, ["helsinki"], depth=2, themes=["climate"])
    keys = {n.key for n in climate.answer.nodes}
    assert "c40" in keys  # "Yhteistyötä kaupunkien kanssa rakennetaan alan keskeisten verkostojen (mm. C40) kautta"
    assert keys <= {"helsinki"} | theme_family("climate") | working_on("climate")
    assert "tallinn" not in keys


def test_governance_checks(helsinki_store: GraphStore) -> None:
    answer = governance(helsinki_store)
    owned = {r.end for r in relations("OWNS_MEMBERSHIP")}
    unowned = {(r.start, r.end) for r in relations("MEMBER_OF") if r.end not in owned}
    assert {(m.member.key, m.network.key) for m in answer.memberships_without_owner} == unowned
    # The document names no owner: every owner in the files is inferred, and the answer says so
    # rather than "all memberships have an owner".
    stated = {r.end for r in relations("OWNS_MEMBERSHIP") if r.basis == "stated"}
    only_inferred = {(r.start, r.end) for r in relations("MEMBER_OF") if r.end in owned - stated}
    assert {(m.member.key, m.network.key) for m in answer.memberships_with_inferred_owner} == only_inferred
    assert {("helsinki", "eurocities"), ("helsinki", "c40")} <= only_inferred
    for membership in answer.memberships_with_inferred_owner:
        assert membership.owner_basis == "inferred" and membership.owners
    themes = [k for k, n in nodes().items() if n.kind == "Theme"]
    assert {t.key for t in answer.themes_without_partners} == {t for t in themes if not working_on(t)}
    assert {t.key for t in answer.themes_only_home} == {t for t in themes if working_on(t) == {"helsinki"}}
    partnerships = [r for r in relations("PARTNER_OF") if "helsinki" in (r.start, r.end)]
    partners = {r.start if r.end == "helsinki" else r.end for r in partnerships}
    partners |= {r.end for r in relations("MEMBER_OF") if r.start == "helsinki"}
    with_theme = {r.start for r in relations() if r.type in THEME_LINKS and nodes()[r.end].kind == "Theme"}
    lonely = {p for p in partners if nodes()[p].kind in PARTNER_KINDS and p not in with_theme}
    assert {p.key for p in answer.partners_without_theme} == lonely
    # From the document: Tallinn and Bloomberg are partners with no theme named; C40 works on climate.
    assert {"tallinn", "bloomberg-philanthropies"} <= lonely and "c40" not in lonely


def test_brokers(helsinki_store: GraphStore) -> None:
    overall = brokers(helsinki_store, top=3)
    assert overall.brokers[0].entity.key == "helsinki"  # the city is the hub of its own policy
    assert all(b.entity.kind != "Theme" for b in overall.brokers)
    assert [b.score for b in overall.brokers] == sorted((b.score for b in overall.brokers), reverse=True)
    by_degree = brokers(helsinki_store, measure="degree", top=3)
    assert by_degree.brokers[0].entity.key == "helsinki"
    assert by_degree.brokers[0].degree == len({n for n in neighbours("helsinki") if nodes()[n].kind != "Theme"})
    climate = brokers(helsinki_store, theme="climate", top=5)
    assert len(climate.brokers) == 5 and climate.theme == "climate"
    assert climate.nodes < overall.nodes
    with pytest.raises(QuestionError):
        brokers(helsinki_store, top=0)


def test_theme_overview_lists_the_documents_themes(helsinki_store: GraphStore) -> None:
    overview = theme_overview(helsinki_store)
    themes = {t.key: t for t in overview.themes}
    assert {t.theme_type for t in themes.values()} >= {"megatrend", "focus_area", "goal"}
    assert sum(t.theme_type == "focus_area" for t in themes.values()) == 6  # "kuusi painopistealuetta"
    assert sum(t.theme_type == "megatrend" for t in themes.values()) == 2  # digitalisation, sustainability
    assert "transport-mobility" in themes["smart-mobility"].parents
    assert "maas" in themes["smart-mobility"].children
    assert {"smart-city", "climate"} <= set(overview.roots)
    for key in ("smart-city", "maas", "climate"):
        assert themes[key].total_links == len(working_on(key))
    assert [t.key for t in list_themes(helsinki_store)] == sorted(themes)
