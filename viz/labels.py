"""What the pages call the schema's kinds, relation types, relation groups, properties and bases,
in each language.

The schema's names (City, PARTNER_OF, org_type) are identifiers; the words shown for kinds,
relation types and groups are their `label`s in `graph/schema.yaml` (English msgids, translated by
the message catalogues; `python -m i18n.extract` reads them from the schema). A name the schema
gives no label is shown as it is declared.
"""

from __future__ import annotations

from graph.schema import Schema, load_schema
from i18n import N_, translator
from viz.style import MapStyle


def kind_labels(schema: Schema) -> dict[str, str]:
    """Kind -> its English label (a msgid), for the kinds the schema labels."""
    return {name: kind.label for name, kind in schema.node_kinds.items() if kind.label}


def relation_labels(schema: Schema) -> dict[str, str]:
    """Relation type -> its English label (a msgid), for the types the schema labels."""
    return {name: rel.label for name, rel in schema.relation_types.items() if rel.label}


def group_labels(schema: Schema) -> dict[str, str]:
    """Relation group -> its English heading (a msgid), for the groups the schema labels."""
    return dict(schema.group_labels)


KIND_LABELS = kind_labels(load_schema())
RELATION_LABELS = relation_labels(load_schema())
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


def labels(language: str, style: MapStyle) -> dict[str, dict[str, str]]:
    """Kind, relation type and property labels in `language`, for a page's scripts: the labels of
    the style's schema, translated."""
    _ = translator(language)
    return {
        "kindLabels": {k: _(s.label) if s.label else k for k, s in style.kinds.items()},
        "relationLabels": {r: _(s.label) if s.label else r for r, s in style.relations.items()},
        "propertyLabels": {p: _(label) for p, label in PROPERTY_LABELS.items()},
    }
