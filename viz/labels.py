"""What the pages call the schema's kinds, relation types, properties and bases, in each language.

The schema's names (City, PARTNER_OF, org_type) are identifiers; these are the words shown for
them, from the message catalogues. A name declared later in the schema and missing here is shown
as it is declared.
"""

from __future__ import annotations

from collections.abc import Iterable

from i18n import N_, translator

KIND_LABELS = {
    "City": N_("City"),
    "Organisation": N_("Organisation"),
    "Network": N_("Network"),
    "Person": N_("Person"),
    "Theme": N_("Theme"),
    "Initiative": N_("Initiative"),
}
RELATION_LABELS = {
    "MEMBER_OF": N_("member of"),
    "PARTNER_OF": N_("partner of"),
    "TOUCHES": N_("works on"),
    "SUBTHEME_OF": N_("sub-theme of"),
    "PART_OF": N_("part of"),
    "WORKS_FOR": N_("works for"),
    "HOLDS_ROLE": N_("holds a role in"),
    "OWNS_MEMBERSHIP": N_("owns the membership of"),
    "CONTACT_FOR": N_("contact for"),
    "LEADS": N_("leads"),
    "PARTICIPATES_IN": N_("takes part in"),
    "KEY_ACTOR_FOR": N_("key actor for"),
    "LOCATED_IN": N_("located in"),
}
PROPERTY_LABELS = {
    "country": N_("country"),
    "region": N_("region"),
    "capital": N_("capital"),
    "scope": N_("scope"),
    "org_type": N_("type"),
    "initiative_type": N_("type"),
    "theme_type": N_("type"),
    "year": N_("year"),
}
BASIS_LABELS = {"stated": N_("stated"), "inferred": N_("inferred")}


def labels(language: str, kinds: Iterable[str] = (), relations: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """Kind, relation type and property labels in `language`, for a page's scripts."""
    _ = translator(language)
    return {
        "kindLabels": {k: _(KIND_LABELS[k]) if k in KIND_LABELS else k for k in (*KIND_LABELS, *kinds)},
        "relationLabels": {
            r: _(RELATION_LABELS[r]) if r in RELATION_LABELS else r for r in (*RELATION_LABELS, *relations)
        },
        "propertyLabels": {p: _(label) for p, label in PROPERTY_LABELS.items()},
    }
