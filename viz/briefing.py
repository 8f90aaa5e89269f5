"""A briefing (questions.briefing) as a print-ready page: HTML, Markdown or PDF, in fi, sv or en.

HTML and Markdown come from Jinja2 templates (`briefing.html.j2` autoescaped; the Markdown one
escapes every value with `md`). The page has no script and loads nothing: its stylesheet is
inline (allowed by its hash, `BriefingPage.csp`) and its map is an SVG laid out here, so it
prints the same anywhere. The PDF is WeasyPrint's rendering of that HTML, with a URL fetcher
that refuses every URL: a PDF is made without any network access, whatever the page holds.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph.model import display_name
from graph.schema import Schema, load_schema
from i18n import N_, translator
from questions.briefing import Briefing, Connection
from viz.labels import BASIS_LABELS, KIND_LABELS, PROPERTY_LABELS, RELATION_LABELS, group_labels
from viz.maps import TEMPLATES_DIR, csp_hash
from viz.style import style_from_schema

PDF_MEDIA_TYPE = "application/pdf"
MAP_WIDTH, MAP_HEIGHT = 640.0, 175.0
MAP_MAX_OTHERS = 14
MAP_LABEL_MAX = 24
INFERRED_DASH = "5 3"

# The headings of the relation groups: the schema's group labels (`relation_groups:`), and one for the rest.
GROUP_LABELS = {**group_labels(load_schema()), "other": N_("Other connections")}
FOUND_BY_LABELS = {
    "direct": N_("named as the contact"),
    "membership_owner": N_("owns the membership"),
    "via_owner": N_("through the membership owner {via}"),
    "leading_unit": N_("through the leading unit"),
    "subtheme": N_("through a sub-theme ({target})"),
    "role": N_("holds a role there"),
    "works_for": N_("works there"),
    "linked": N_("linked to it"),
}
FINDING_LABELS = {
    "memberships_without_owner": N_("Membership without an owner"),
    "memberships_with_inferred_owner": N_("Membership whose owner is only inferred"),
    "partners_without_theme": N_("Partner on no theme"),
    "themes_without_partners": N_("Theme no one works on"),
    "themes_only_home": N_("Theme only the home city works on"),
}


@dataclass(frozen=True)
class MapNode:
    key: str
    label: str
    kind: str
    colour: str
    x: float
    y: float
    centre: bool = False


@dataclass(frozen=True)
class MapLine:
    x1: float
    y1: float
    x2: float
    y2: float
    inferred: bool
    home: bool  # a line from the home city to something it shares with the entity


@dataclass(frozen=True)
class StaticMap:
    width: float
    height: float
    nodes: list[MapNode]
    lines: list[MapLine]
    kinds: list[tuple[str, str]]  # (kind, colour) shown
    more: int  # connections left off the map


@dataclass(frozen=True)
class BriefingPage:
    html: str
    csp: str  # the page's Content-Security-Policy: its own stylesheet by hash, nothing else


def _short(text: str, limit: int = MAP_LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def static_map(brief: Briefing, language: str, schema: Schema | None = None) -> StaticMap:
    """The briefed entity in the middle, its connections around it (the home city at the top),
    lines dashed where inferred; at most MAP_MAX_OTHERS others, the home city's first."""
    style = style_from_schema(schema or load_schema())
    others: dict[str, tuple[Connection, bool]] = {}
    for group in brief.groups:
        for conn in group.connections:
            current = others.get(conn.other.key)
            inferred = conn.basis == "inferred" and (current is None or current[1])
            others[conn.other.key] = (current[0] if current else conn, inferred)
    ranked = sorted(others.values(), key=lambda item: (not item[0].is_home, not item[0].with_home))
    shown, more = ranked[:MAP_MAX_OTHERS], max(len(ranked) - MAP_MAX_OTHERS, 0)
    cx, cy = MAP_WIDTH / 2, MAP_HEIGHT / 2 - 8
    rx, ry = MAP_WIDTH / 2 - 80, MAP_HEIGHT / 2 - 30
    nodes = [
        MapNode(
            brief.key,
            _short(display_name(brief.name_record(), language)),
            brief.kind,
            style.kind(brief.kind).colour,
            cx,
            cy,
            centre=True,
        )
    ]
    home = brief.home
    home_shown = any(c.is_home for c, _ in shown)
    slots = len(shown) + (1 if home is not None and not home_shown and any(c.with_home for c, _ in shown) else 0)
    positions: list[tuple[float, float]] = [
        (cx + rx * math.sin(2 * math.pi * i / max(slots, 1)), cy - ry * math.cos(2 * math.pi * i / max(slots, 1)))
        for i in range(slots)
    ]
    lines: list[MapLine] = []
    home_xy: tuple[float, float] | None = None
    index = 0
    if home is not None and not home_shown and slots > len(shown):
        home_xy = positions[0]
        nodes.append(
            MapNode(home.key, _short(display_name(home, language)), home.kind, style.kind(home.kind).colour, *home_xy)
        )
        index = 1
    for conn, inferred in shown:
        x, y = positions[index]
        index += 1
        other = conn.other
        nodes.append(
            MapNode(other.key, _short(display_name(other, language)), other.kind, style.kind(other.kind).colour, x, y)
        )
        lines.append(MapLine(cx, cy, x, y, inferred, home=False))
        if conn.is_home:
            home_xy = (x, y)
    if home_xy is not None:
        for conn, _ in shown:
            if conn.with_home:
                target = next(n for n in nodes if n.key == conn.other.key)
                lines.append(MapLine(home_xy[0], home_xy[1], target.x, target.y, False, home=True))
    kinds = sorted({(n.kind, n.colour) for n in nodes})
    return StaticMap(MAP_WIDTH, MAP_HEIGHT, nodes, lines, kinds, more)


def _md(value: Any) -> str:
    """A value for Markdown: HTML special characters and Markdown punctuation escaped."""
    text = "" if value is None else str(value)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", text).replace("\n", " ")


@cache
def _environment(markdown: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        # Markdown is not HTML: its template escapes every value itself, with the `md` filter.
        autoescape=False if markdown else select_autoescape(enabled_extensions=("html", "j2"), default=True),  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = _md
    return env


class _Words:
    """The page's formatters in one language: names, kinds, relation types, groups, bases."""

    def __init__(self, language: str):
        self.language = language
        self._ = translator(language)

    def name(self, ref: Any) -> str:
        return display_name(ref, self.language)

    def kind(self, value: str) -> str:
        return self._(KIND_LABELS[value]) if value in KIND_LABELS else value

    def relation(self, conn: Connection) -> str:
        if conn.type in RELATION_LABELS:
            return self._(RELATION_LABELS[conn.type])
        return conn.type.lower().replace("_", " ")

    def group(self, value: str) -> str:
        return self._(GROUP_LABELS[value]) if value in GROUP_LABELS else value.replace("_", " ").capitalize()

    def found_by(self, contact: Any) -> str:
        label = FOUND_BY_LABELS.get(contact.found_by)
        if label is None:
            return str(contact.found_by).replace("_", " ")
        return self._(label, via=contact.via or "", target=contact.target or "")

    def finding(self, value: str) -> str:
        return self._(FINDING_LABELS[value]) if value in FINDING_LABELS else value.replace("_", " ").capitalize()

    def basis(self, value: str | None) -> str:
        return self._(BASIS_LABELS[value]) if value in BASIS_LABELS else str(value or "")

    def title(self, contact: Any) -> str:
        for lang in (self.language, "en", "fi", "sv"):
            value = getattr(contact, f"title_{lang}", None)
            if value:
                return str(value)
        return ""

    def fact(self, prop: str, value: Any) -> tuple[str, str]:
        label = self._(PROPERTY_LABELS[prop]) if prop in PROPERTY_LABELS else prop.replace("_", " ")
        if isinstance(value, bool):
            return label, self._("yes") if value else self._("no")
        if isinstance(value, list | tuple):
            return label, ", ".join(str(v) for v in value)
        return label, str(value).replace("_", " ")


class _Quotes:
    """Numbers the page's quotes: each is printed in full once, then referred to by its number."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[str, str | None], int] = {}

    def number(self, source: Any) -> tuple[int, bool]:
        """The quote's number on the page, and whether this is its first appearance (shown in full)."""
        ident = (source.quote, source.section)
        if ident in self.numbers:
            return self.numbers[ident], False
        self.numbers[ident] = len(self.numbers) + 1
        return self.numbers[ident], True

    def __call__(self, sources: list[Any]) -> tuple[list[tuple[int, Any]], str]:
        """The quotes shown here for the first time (numbered), and the numbers of those shown above;
        a manual entry (no quote: who entered it, when, and how they know) is shown each time, as 0."""
        fresh, repeated = [], []
        for source in sources:
            if not source.quote:
                fresh.append((0, source))
                continue
            number, first = self.number(source)
            if first:
                fresh.append((number, source))
            else:
                repeated.append(str(number))
        return fresh, ", ".join(repeated)


def _context(brief: Briefing, language: str) -> dict[str, Any]:
    words = _Words(language)
    facts = [words.fact(prop, value) for prop, value in brief.properties.items() if value not in (None, "", [])]
    described = brief.descriptions
    description = next((described[lang] for lang in (language, "en", "fi", "sv") if lang in described), "")
    entity_name = words.name(brief.name_record())
    other_names = [v for lang, v in sorted(brief.names.items()) if v != entity_name]
    return {
        "_": words._,
        "lang": language,
        "b": brief,
        "entity_name": entity_name,
        "other_names": other_names,
        "description": description,
        "facts": facts,
        "home_name": words.name(brief.home) if brief.home else "",
        "map": static_map(brief, language),
        "name": words.name,
        "kind": words.kind,
        "relation": words.relation,
        "group": words.group,
        "found_by": words.found_by,
        "finding": words.finding,
        "quotes": _Quotes(),
        "groups": [g for g in brief.groups if g.group != "contact"],  # the contacts section says them
        "subjects": lambda f: " → ".join(words.name(ref) for ref in f.subjects),
        "basis": words.basis,
        "title": words.title,
        "dash": INFERRED_DASH,
    }


@cache
def _style_text() -> str:
    return (TEMPLATES_DIR / "briefing.css").read_text(encoding="utf-8")


def render_html(brief: Briefing, language: str) -> BriefingPage:
    """The briefing as one print-ready HTML page, with the policy that lets its stylesheet in."""
    style = _style_text()
    html = _environment(False).get_template("briefing.html.j2").render(style=style, **_context(brief, language))
    csp = (
        f"default-src 'none'; style-src {csp_hash(style)}; img-src data:; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return BriefingPage(html=html, csp=csp)


def render_markdown(brief: Briefing, language: str) -> str:
    return _environment(True).get_template("briefing.md.j2").render(**_context(brief, language))


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (its system libraries, Pango and HarfBuzz, are missing)."""


class OutsideRequestRefused(ValueError):
    """The PDF renderer was asked for a URL; briefings are made without any network access."""


refused: deque[str] = deque(maxlen=100)  # the last URLs the renderer was refused (tests read them)


@cache
def _refusing_fetcher() -> Any:
    """WeasyPrint's URLFetcher with its one way out replaced: every URL is refused and noted."""
    from weasyprint.urls import URLFetcher  # noqa: PLC0415

    class RefusingFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            refused.append(url)
            raise OutsideRequestRefused(f"briefings load nothing: {url[:80]!r} refused")

    return RefusingFetcher(allowed_protocols=(), allow_redirects=False)


def render_pdf(html: str) -> bytes:
    """The page as a PDF (A4, as its print stylesheet says), with no URL fetched."""
    try:
        import weasyprint  # noqa: PLC0415 - loads Pango; only PDF answers need it
    except OSError as exc:  # the Python package is there, its system libraries are not
        raise PdfUnavailable(
            "PDF needs Pango and HarfBuzz (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            f"libharfbuzz-subset0): {exc}"
        ) from exc
    document = weasyprint.HTML(string=html, url_fetcher=_refusing_fetcher(), base_url="about:blank")
    pdf: bytes = document.write_pdf()
    return pdf
