"""The meaning the schema carries (issue 13): which kinds are actors, what each relation type
means (its group), and the one rule names fall back by (`display_name`)."""

from __future__ import annotations

import copy

import pytest

from graph.schema import SchemaError, display_name, load_schema, parse_schema
from questions.common import EntityRef

SCHEMA = load_schema()
ALL = {"name_fi": "Pietari", "name_en": "Saint Petersburg", "name_sv": "Sankt Petersburg"}


def test_actors_and_groups_are_declared_in_the_schema() -> None:
    assert SCHEMA.actor_kinds == {"City", "Organisation", "Network"}
    assert set(SCHEMA.relation_groups) >= {"membership", "partnership", "support", "initiative", "theme"}
    assert all(rel.group in SCHEMA.relation_groups for rel in SCHEMA.relation_types.values())
    assert SCHEMA.types_of_group("membership") == ("MEMBER_OF", "OWNS_MEMBERSHIP")
    assert SCHEMA.types_of_group("support") == ("SUPPORTS",)
    assert "law" in (SCHEMA.node_kinds["Initiative"].properties["initiative_type"].enum or ())
    assert "name_sv" in SCHEMA.node_properties


def test_a_group_must_be_declared_but_may_be_left_out() -> None:
    raw = copy.deepcopy(SCHEMA.raw)
    raw["relation_types"]["HOSTS"] = {"from": ["City"], "to": ["Initiative"]}
    assert parse_schema(raw).relation_types["HOSTS"].group == "other"
    raw["relation_types"]["HOSTS"]["group"] = "friendship"
    with pytest.raises(SchemaError, match="friendship"):
        parse_schema(raw)


@pytest.mark.parametrize(
    ("names", "lang", "shown"),
    [
        (ALL, "sv", "Sankt Petersburg"),
        (ALL, "en", "Saint Petersburg"),
        (ALL, "fi", "Pietari"),
        ({"name_fi": "Pietari", "name_en": "Saint Petersburg"}, "sv", "Pietari"),  # fi first
        ({"name_en": "Slush"}, "fi", "Slush"),  # then en
        ({"name_sv": "Ode"}, "fi", "Ode"),  # then sv
        ({}, "fi", "the-key"),  # then the key
        ({"name_fi": ""}, "xx", "the-key"),  # an empty name or an unknown language is no name
    ],
)
def test_display_name_falls_back_fi_en_sv_key(names: dict[str, str], lang: str, shown: str) -> None:
    assert display_name({"key": "the-key", **names}, lang) == shown
    ref = EntityRef(key="the-key", kind="City", **names)
    assert display_name(ref, lang) == shown == ref.display(lang)
