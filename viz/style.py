"""How maps look, read from the schema: colour and shape per node kind, line style per relation type.

The style rules are declared once, as data, in `graph/schema.yaml` (`colour`, `shape` on node kinds;
`line` and an optional `colour` on relation types). This module only translates them into
vis-network options and legend entries; it names no kind or relation type itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graph.schema import Schema, load_schema

DEFAULT_NODE_COLOUR = "#7f7f7f"
DEFAULT_EDGE_COLOUR = "#8a8a8a"
# vis-network `dashes` per declared line style (false = a solid line).
LINE_DASHES: dict[str, bool | list[int]] = {"solid": False, "dashed": [8, 5], "dotted": [2, 4]}
# An inferred relation (the curator's reading, no source states it), on every map whatever its type:
# dash-dot, unlike any type's line, and faded. The legend's words for it are here, in one place.
INFERRED = {
    "dashes": [10, 4, 2, 4],
    "opacity": 0.55,
    "label": "inferred",
    "description": "Inferred: the curator's reading, not stated by a source",
}
# Shapes vis-network draws with the label underneath; the schema may use any of them.
VIS_SHAPES = frozenset(
    {"dot", "square", "diamond", "triangle", "triangleDown", "star", "hexagon", "ellipse", "box", "circle"}
)
MIN_SIZE, MAX_SIZE = 10.0, 40.0

SizeBy = Literal["degree", "pagerank", "betweenness"]


@dataclass(frozen=True)
class KindStyle:
    kind: str
    colour: str
    shape: str
    description: str
    label: str = ""  # the schema's English word for the kind (a msgid); "" when it gives none

    def vis(self) -> dict[str, Any]:
        """vis-network node options for this kind."""
        return {
            "shape": self.shape,
            "color": {
                "background": self.colour,
                "border": _darker(self.colour),
                "highlight": {"background": self.colour, "border": "#000000"},
                "hover": {"background": self.colour, "border": "#000000"},
            },
        }


@dataclass(frozen=True)
class RelationStyle:
    relation: str
    line: str
    colour: str
    symmetric: bool
    description: str
    label: str = ""  # the schema's English words for the type (a msgid); "" when it gives none

    @property
    def dashes(self) -> bool | list[int]:
        return LINE_DASHES.get(self.line, False)

    def vis(self, *, inferred: bool = False) -> dict[str, Any]:
        """vis-network edge options for this relation type; an inferred relation dash-dotted and faded."""
        colour: dict[str, Any] = {"color": self.colour, "highlight": "#000000", "hover": "#333333", "inherit": False}
        if inferred:
            colour["opacity"] = INFERRED["opacity"]
        return {
            "dashes": INFERRED["dashes"] if inferred else self.dashes,
            "color": colour,
            "arrows": {"to": {"enabled": not self.symmetric, "scaleFactor": 0.6}},
        }


@dataclass(frozen=True)
class MapStyle:
    """Every kind's and relation type's style, in schema order."""

    kinds: dict[str, KindStyle]
    relations: dict[str, RelationStyle]
    theme_kind: str = ""  # the schema's `theme` kind: a node's themes are its out-neighbours of this kind

    def kind(self, name: str) -> KindStyle:
        return self.kinds.get(name) or KindStyle(name, DEFAULT_NODE_COLOUR, "dot", "")

    def relation(self, name: str) -> RelationStyle:
        return self.relations.get(name) or RelationStyle(name, "solid", DEFAULT_EDGE_COLOUR, False, "")

    def legend(
        self, kinds: Iterable[str], relations: Iterable[str], *, inferred: bool = False
    ) -> dict[str, list[dict[str, Any]]]:
        """Legend entries for the kinds and relation types shown, in schema order (unknown ones last),
        and the inferred line when an inferred relation is shown."""
        wanted_kinds, wanted_rels = set(kinds), set(relations)
        kind_order = [k for k in self.kinds if k in wanted_kinds] + sorted(wanted_kinds - set(self.kinds))
        rel_order = [r for r in self.relations if r in wanted_rels] + sorted(wanted_rels - set(self.relations))
        return {
            "kinds": [_kind_entry(self.kind(k)) for k in kind_order],
            "relations": [_relation_entry(self.relation(r)) for r in rel_order],
            "basis": [dict(INFERRED)] if inferred else [],
        }

    def as_json(self) -> dict[str, Any]:
        """The whole style for the browser (the explorer styles nodes it fetches later)."""
        return {
            "kinds": {k: {**_kind_entry(s), "vis": s.vis()} for k, s in self.kinds.items()},
            "relations": {r: {**_relation_entry(s), "vis": s.vis()} for r, s in self.relations.items()},
            "fallbackKind": {**_kind_entry(self.kind("?")), "vis": self.kind("?").vis()},
            "fallbackRelation": {**_relation_entry(self.relation("?")), "vis": self.relation("?").vis()},
            "minSize": MIN_SIZE,
            "maxSize": MAX_SIZE,
            "inferred": dict(INFERRED),
            "themeKind": self.theme_kind,
        }


def _kind_entry(style: KindStyle) -> dict[str, Any]:
    return {
        "name": style.kind,
        "colour": style.colour,
        "border": _darker(style.colour),
        "shape": style.shape,
        "svg": shape_svg(style.shape),
        "description": style.description,
    }


def _polygon(points: Iterable[tuple[float, float]]) -> dict[str, Any]:
    return {"tag": "polygon", "attrs": {"points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points)}}


def _regular(corners: int, radius: float, start_deg: float, inner: float | None = None) -> dict[str, Any]:
    points = []
    steps = corners * (2 if inner else 1)
    for i in range(steps):
        r = inner if inner and i % 2 else radius
        angle = math.radians(start_deg + i * 360 / steps)
        points.append((9 + r * math.cos(angle), 9 + r * math.sin(angle)))
    return _polygon(points)


def shape_svg(shape: str) -> dict[str, Any]:
    """An SVG element (tag and attributes, in an 18x18 box) that looks like the vis-network shape;
    the legend draws it both server-side (Jinja2) and in the browser (explorer)."""
    if shape in {"square", "box"}:
        return {"tag": "rect", "attrs": {"x": "2", "y": "2", "width": "14", "height": "14"}}
    if shape == "diamond":
        return _polygon([(9, 1), (17, 9), (9, 17), (1, 9)])
    if shape == "triangle":
        return _polygon([(9, 1.5), (17, 16), (1, 16)])
    if shape == "triangleDown":
        return _polygon([(1, 2), (17, 2), (9, 16.5)])
    if shape == "star":
        return _regular(5, 8.5, -90, inner=3.6)
    if shape == "hexagon":
        return _regular(6, 8, 0)
    if shape == "ellipse":
        return {"tag": "ellipse", "attrs": {"cx": "9", "cy": "9", "rx": "8", "ry": "5.5"}}
    return {"tag": "circle", "attrs": {"cx": "9", "cy": "9", "r": "7"}}


def _relation_entry(style: RelationStyle) -> dict[str, Any]:
    return {
        "name": style.relation,
        "colour": style.colour,
        "line": style.line,
        "dashes": style.dashes,
        "directed": not style.symmetric,
        "description": style.description,
    }


def _darker(colour: str, factor: float = 0.7) -> str:
    if len(colour) != 7 or not colour.startswith("#"):
        return colour
    try:
        channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    except ValueError:
        return colour
    return "#" + "".join(f"{int(c * factor):02x}" for c in channels)


def style_from_schema(schema: Schema) -> MapStyle:
    kinds = {
        name: KindStyle(
            name,
            kind.colour,
            kind.shape if kind.shape in VIS_SHAPES else "dot",
            kind.description,
            kind.label,
        )
        for name, kind in schema.node_kinds.items()
    }
    relations = {
        name: RelationStyle(
            name,
            rel.line if rel.line in LINE_DASHES else "solid",
            rel.colour or DEFAULT_EDGE_COLOUR,
            rel.symmetric,
            rel.description,
            rel.label,
        )
        for name, rel in schema.relation_types.items()
    }
    return MapStyle(kinds, relations, schema.kind_with_role("theme") if "theme" in schema.kind_roles else "")


def default_style() -> MapStyle:
    return style_from_schema(load_schema())


def scale_sizes(values: Mapping[str, float]) -> dict[str, float]:
    """Node sizes between MIN_SIZE and MAX_SIZE, by the square root of each value (area ~ value)."""
    if not values:
        return {}
    top = max(values.values())
    if top <= 0:
        return dict.fromkeys(values, MIN_SIZE)
    return {
        key: round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(max(value, 0.0) / top), 2)
        for key, value in values.items()
    }
