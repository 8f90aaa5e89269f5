"""Faithfulness and schema checks for the curated Helsinki dataset (data/helsinki/).

Standalone: needs only pyyaml and the standard library. Every check collects all problems it
finds and fails once, listing each problem with the file and the key (or relation) concerned.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data" / "helsinki"
SCHEMA_PATH = ROOT / "graph" / "schema.yaml"

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_RE = re.compile(r"^https?://\S+$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BASES = {"stated", "inferred"}
# Keys a node may carry besides the schema's common and per-kind properties.
NODE_EXTRA_KEYS = {"kind", "sources", "basis"}
RELATION_KEYS = {"from", "type", "to", "sources"}
# `doc` (defaults to dataset.yaml default_document) and `sentence` are optional, as in graph/model.py Source.
SOURCE_KEYS = {"doc", "section", "quote", "sentence"}


# A parsed YAML mapping: its shape is what these tests check.
Yaml = Any

# --------------------------------------------------------------------------- loading


def _load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def normalise(text: str) -> str:
    """The comparison form: NFC, `**` bold markers removed, whitespace runs collapsed."""
    text = unicodedata.normalize("NFC", text).replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


class Document:
    """A source document: its normalised text and its headings with their positions."""

    def __init__(self, path: Path) -> None:
        raw = unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).replace("**", "")
        self.path = path
        self.text = re.sub(r"\s+", " ", raw).strip()
        lines = raw.split("\n")
        headings: list[str] = []
        for i, line in enumerate(lines):
            stripped = line.strip()
            if not stripped or len(stripped) > 100 or "," in stripped:
                continue
            if stripped[-1] in ".,;:!?":
                continue
            before_blank = i == 0 or not lines[i - 1].strip()
            after_blank = i == len(lines) - 1 or not lines[i + 1].strip()
            if before_blank and after_blank:
                headings.append(normalise(stripped))
        # Locate each heading in the normalised text, in order of appearance.
        self.headings: list[tuple[str, int, int]] = []
        pos = 0
        for heading in headings:
            pattern = re.compile(r"(?:^|(?<= ))" + re.escape(heading) + r"(?= |$)")
            match = pattern.search(self.text, pos)
            assert match, f"{path.name}: heading {heading!r} not found in order"
            self.headings.append((heading, match.start(), match.end()))
            pos = match.end()
        self.first_index: dict[str, int] = {}
        for idx, (heading, _, _) in enumerate(self.headings):
            self.first_index.setdefault(heading, idx)

    def segment(self, heading: str) -> tuple[int, int]:
        """(start, end) of the text between the heading's first occurrence and the next heading."""
        idx = self.first_index[heading]
        start = self.headings[idx][2]
        end = self.headings[idx + 1][1] if idx + 1 < len(self.headings) else len(self.text)
        return start, end

    def heading_of(self, pos: int) -> str | None:
        current = None
        for heading, start, _ in self.headings:
            if start <= pos:
                current = heading
        return current

    def occurrences(self, quote: str) -> list[int]:
        out: list[int] = []
        pos = 0
        while True:
            i = self.text.find(quote, pos)
            if i < 0:
                return out
            out.append(i)
            pos = i + 1


class Dataset:
    def __init__(self) -> None:
        self.schema = _load_yaml(SCHEMA_PATH)
        self.meta = _load_yaml(DATA_DIR / "dataset.yaml")
        self.documents = {
            name: Document((DATA_DIR / spec["path"]).resolve()) for name, spec in self.meta["documents"].items()
        }
        self.default_document = self.meta["default_document"]
        self.nodes: list[tuple[str, Yaml]] = []
        self.relations: list[tuple[str, int, Yaml]] = []
        self.load_problems: list[str] = []
        for fname in self.meta["files"]:
            path = DATA_DIR / fname
            if not path.exists():
                self.load_problems.append(f"{fname}: listed in dataset.yaml but missing")
                continue
            content = _load_yaml(path) or {}
            if not isinstance(content, dict):
                self.load_problems.append(f"{fname}: top level must be a mapping")
                continue
            for unknown in set(content) - {"nodes", "relations"}:
                self.load_problems.append(f"{fname}: unknown top-level key {unknown!r}")
            for node in content.get("nodes") or []:
                self.nodes.append((fname, node))
            for i, rel in enumerate(content.get("relations") or []):
                self.relations.append((fname, i, rel))
        self.by_key: dict[Any, tuple[str, Yaml]] = {}
        for fname, node in self.nodes:
            self.by_key.setdefault(node.get("key"), (fname, node))

    def rel_label(self, fname: str, i: int, rel: Yaml) -> str:
        return f"{fname}: relation #{i} {rel.get('from')} -{rel.get('type')}-> {rel.get('to')}"

    def edges(self, rtype: str | None = None) -> list[Yaml]:
        return [r for _, _, r in self.relations if rtype is None or r.get("type") == rtype]

    def has(self, frm: str, rtype: str, to: str) -> list[Yaml]:
        return [r for r in self.edges(rtype) if r.get("from") == frm and r.get("to") == to]


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset()


def _fail_if(problems: list[str], what: str) -> None:
    if problems:
        pytest.fail(f"{len(problems)} {what}:\n  " + "\n  ".join(problems), pytrace=False)


def _all_sources(ds: Dataset) -> Iterator[tuple[str, Yaml]]:
    """Yield (label, source) for every source of every node and relation."""
    for fname, node in ds.nodes:
        for s in node.get("sources") or []:
            yield f"{fname}: node {node.get('key')!r}", s
    for fname, i, rel in ds.relations:
        for s in rel.get("sources") or []:
            yield ds.rel_label(fname, i, rel), s


# --------------------------------------------------------------------------- 0. loading


def test_files_load(ds: Dataset) -> None:
    _fail_if(ds.load_problems, "loading problems")
    assert ds.nodes, "no nodes loaded"
    assert ds.relations, "no relations loaded"
    assert ds.default_document in ds.documents, "default_document is not among documents"


# --------------------------------------------------------------------------- 1. quotes


def test_quotes_are_verbatim_whole_sentences_in_their_section(ds: Dataset) -> None:
    problems = []
    for label, src in _all_sources(ds):
        if not isinstance(src, dict):
            problems.append(f"{label}: source is not a mapping: {src!r}")
            continue
        doc = ds.documents.get(src.get("doc") or ds.default_document)
        if doc is None:
            problems.append(f"{label}: unknown document {src.get('doc')!r}")
            continue
        quote = normalise(str(src.get("quote") or ""))
        section = normalise(str(src.get("section") or ""))
        short = quote[:70] + ("…" if len(quote) > 70 else "")
        if not quote:
            problems.append(f"{label}: empty quote")
            continue
        occ = doc.occurrences(quote)
        if not occ:
            problems.append(f"{label}: quote not found verbatim in {doc.path.name}: {short!r}")
            continue
        if section not in doc.first_index:
            continue  # reported by test_sections_are_headings
        seg_start, seg_end = doc.segment(section)
        inside = [i for i in occ if i >= seg_start and i + len(quote) <= seg_end]
        if not inside:
            found = sorted({str(doc.heading_of(i)) for i in occ})
            problems.append(f"{label}: quote {short!r} is not in section {section!r} (found under {found})")
            continue
        # Whole sentence: capital (or digit) start, sentence punctuation end, sentence boundaries.
        if not (quote[0].isupper() or quote[0].isdigit()):
            problems.append(f"{label}: quote does not start a sentence: {short!r}")
        if not re.search(r"[.!?][)\"”]?$", quote):
            problems.append(f"{label}: quote does not end a sentence: {short!r}")
        ok_boundary = False
        for i in inside:
            before = doc.text[seg_start:i].rstrip()
            after = doc.text[i + len(quote) : i + len(quote) + 1]
            if (not before or before[-1] in '.!?)"”') and after in ("", " "):
                ok_boundary = True
        if not ok_boundary:
            problems.append(f"{label}: quote is only part of a sentence: {short!r}")
    _fail_if(problems, "quote problems")


# --------------------------------------------------------------------------- 2. sections


def test_sections_are_headings(ds: Dataset) -> None:
    problems = []
    for label, src in _all_sources(ds):
        if not isinstance(src, dict):
            continue
        extra = set(src) - SOURCE_KEYS
        if extra:
            problems.append(f"{label}: unknown source keys {sorted(extra)}")
        doc = ds.documents.get(src.get("doc") or ds.default_document)
        if doc is None:
            continue
        section = src.get("section")
        if not section:
            problems.append(f"{label}: source without section")
        elif normalise(str(section)) not in doc.first_index:
            problems.append(f"{label}: section {section!r} is not a heading line of {doc.path.name}")
    _fail_if(problems, "section problems")


# --------------------------------------------------------------------------- 3. nodes


def _type_ok(value: Any, spec: Yaml) -> bool:
    t = spec.get("type", "string")
    if t in ("string", "text"):
        ok = isinstance(value, str)
    elif t == "string[]":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t == "date":
        ok = (isinstance(value, str) and bool(DATE_RE.match(value))) or type(value).__name__ == "date"
    elif t == "url":
        ok = isinstance(value, str) and bool(URL_RE.match(value))
    elif t == "email":
        ok = isinstance(value, str) and bool(EMAIL_RE.match(value))
    else:
        ok = False
    if ok and "enum" in spec:
        ok = value in spec["enum"]
    return ok


def test_nodes_follow_schema(ds: Dataset) -> None:
    schema = ds.schema
    common = schema["node_properties"]
    kinds = schema["node_kinds"]
    problems = []
    seen = defaultdict(list)
    for fname, node in ds.nodes:
        key = node.get("key") if isinstance(node, dict) else None
        label = f"{fname}: node {key!r}"
        if not isinstance(node, dict):
            problems.append(f"{fname}: node is not a mapping: {node!r}")
            continue
        seen[key].append(fname)
        if not isinstance(key, str) or not KEY_RE.match(key):
            problems.append(f"{label}: key does not match {KEY_RE.pattern}")
        kind = node.get("kind")
        if kind not in kinds:
            problems.append(f"{label}: kind {kind!r} is not one of {sorted(kinds)}")
            continue
        if not (node.get("name_fi") or node.get("name_en")):
            problems.append(f"{label}: needs name_fi or name_en")
        props = {**common, **(kinds[kind].get("properties") or {})}
        for prop, value in node.items():
            if prop in NODE_EXTRA_KEYS:
                continue
            if prop not in props:
                problems.append(f"{label}: property {prop!r} is not declared for {kind}")
            elif not _type_ok(value, props[prop]):
                spec = props[prop]
                problems.append(
                    f"{label}: {prop}={value!r} is not a valid {spec.get('type', 'string')}"
                    + (f" in {spec['enum']}" if "enum" in spec else "")
                )
        for prop, spec in props.items():
            if spec.get("required") and prop not in node:
                problems.append(f"{label}: missing required property {prop!r}")
        if "basis" in node and node["basis"] not in BASES:
            problems.append(f"{label}: basis {node['basis']!r} not in {sorted(BASES)}")
        sources = node.get("sources")
        if not isinstance(sources, list) or not sources:
            problems.append(f"{label}: needs at least one source")
        else:
            for s in sources:
                if not isinstance(s, dict) or not s.get("section") or not s.get("quote"):
                    problems.append(f"{label}: source needs section and quote: {s!r}")
    for key, files in seen.items():
        if len(files) > 1:
            problems.append(f"key {key!r} defined {len(files)} times (in {', '.join(files)})")
    _fail_if(problems, "node problems")


# --------------------------------------------------------------------------- 4. relations


def test_relations_follow_schema(ds: Dataset) -> None:
    schema = ds.schema
    rtypes = schema["relation_types"]
    rprops = schema["relation_properties"]
    problems = []
    seen: dict[Any, str] = {}
    for fname, i, rel in ds.relations:
        label = ds.rel_label(fname, i, rel)
        if not isinstance(rel, dict):
            problems.append(f"{fname}: relation #{i} is not a mapping")
            continue
        rtype = rel.get("type")
        if rtype not in rtypes:
            problems.append(f"{label}: unknown relation type {rtype!r}")
            continue
        spec = rtypes[rtype]
        for end in ("from", "to"):
            key = rel.get(end)
            if key not in ds.by_key:
                problems.append(f"{label}: {end} node {key!r} does not exist")
                continue
            kind = ds.by_key[key][1].get("kind")
            if kind not in spec[end]:
                problems.append(f"{label}: {end} kind {kind} not allowed for {rtype} (allowed: {spec[end]})")
        for prop, value in rel.items():
            if prop in RELATION_KEYS:
                continue
            if prop not in rprops:
                problems.append(f"{label}: property {prop!r} is not a relation property")
            elif not _type_ok(value, rprops[prop]):
                problems.append(f"{label}: {prop}={value!r} is not valid")
        basis = rel.get("basis", rprops["basis"].get("default", "stated"))
        if basis not in BASES:
            problems.append(f"{label}: basis {basis!r} not in {sorted(BASES)}")
        if basis == "inferred" and not str(rel.get("note") or "").strip():
            problems.append(f"{label}: inferred relation needs a note explaining why")
        if rel.get("from") == rel.get("to"):
            problems.append(f"{label}: relation from a node to itself")
        sources = rel.get("sources")
        if not isinstance(sources, list) or not sources:
            problems.append(f"{label}: needs at least one source")
        else:
            for s in sources:
                if not isinstance(s, dict) or not s.get("section") or not s.get("quote"):
                    problems.append(f"{label}: source needs section and quote: {s!r}")
        triple = (rel.get("from"), rtype, rel.get("to"))
        dup = seen.get(triple)
        if dup is None and spec.get("symmetric"):
            dup = seen.get((rel.get("to"), rtype, rel.get("from")))
        if dup is not None:
            problems.append(f"{label}: duplicates {dup} (merge them into one relation)")
        seen.setdefault(triple, label)
    _fail_if(problems, "relation problems")


def test_every_membership_has_an_owner(ds: Dataset) -> None:
    """The schema (and the document, 2.2 goal 3) require every network membership to have an owner."""
    problems = []
    owned = {r.get("to") for r in ds.edges("OWNS_MEMBERSHIP")}
    for fname, i, rel in ds.relations:
        if rel.get("type") == "MEMBER_OF" and rel.get("from") == "helsinki" and rel.get("to") not in owned:
            problems.append(f"{ds.rel_label(fname, i, rel)}: no OWNS_MEMBERSHIP relation to {rel.get('to')!r}")
    _fail_if(problems, "memberships without an owner")


# --------------------------------------------------------------------------- 5. isolation


def test_no_unexplained_isolated_nodes(ds: Dataset) -> None:
    connected = set()
    for _, _, rel in ds.relations:
        connected.add(rel.get("from"))
        connected.add(rel.get("to"))
    declared = {}
    problems = []
    for entry in ds.meta.get("isolated") or []:
        key = entry.get("key") if isinstance(entry, dict) else None
        if not key or not str(entry.get("reason") or "").strip():
            problems.append(f"dataset.yaml: isolated entry needs key and reason: {entry!r}")
            continue
        declared[key] = entry["reason"]
        if key not in ds.by_key:
            problems.append(f"dataset.yaml: isolated key {key!r} is not a node")
        elif key in connected:
            problems.append(f"dataset.yaml: {key!r} is listed as isolated but has relations")
    for fname, node in ds.nodes:
        key = node.get("key")
        if key not in connected and key not in declared:
            problems.append(f"{fname}: node {key!r} has no relations and is not listed in dataset.yaml isolated")
    _fail_if(problems, "isolation problems")


# --------------------------------------------------------------------------- 6. themes

REQUIRED_THEMES = {
    "megatrend": {"smart-city", "climate"},
    "focus_area": {
        "innovation-competitiveness",
        "transport-mobility",
        "education-skills",
        "segregation-inclusion",
        "culture-art",
        "design",
    },
    "goal": {"goal-knowhow", "goal-profile", "goal-influence"},
}


def _ancestors(ds: Dataset, key: str) -> set[str]:
    parents: defaultdict[str, set[str]] = defaultdict(set)
    for r in ds.edges("SUBTHEME_OF"):
        parents[r.get("from")].add(r.get("to"))
    seen: set[str] = set()
    stack = list(parents[key])
    while stack:
        k = stack.pop()
        if k not in seen:
            seen.add(k)
            stack.extend(parents[k])
    return seen


def test_required_themes(ds: Dataset) -> None:
    problems = []
    themes = {n["key"]: (f, n) for f, n in ds.nodes if n.get("kind") == "Theme"}
    for ttype, keys in REQUIRED_THEMES.items():
        for key in sorted(keys):
            if key not in themes:
                problems.append(f"themes: required {ttype} {key!r} is missing")
            elif themes[key][1].get("theme_type") != ttype:
                problems.append(f"{themes[key][0]}: node {key!r} should have theme_type {ttype}")
        actual = {k for k, (_, n) in themes.items() if n.get("theme_type") == ttype}
        if actual != keys:
            problems.append(f"themes: {ttype} set is {sorted(actual)}, expected {sorted(keys)}")
    if "maas" not in themes:
        problems.append("themes: node 'maas' (Mobility as a Service) is missing")
    else:
        aliases = set(themes["maas"][1].get("aliases") or [])
        for alias in ("MaaS", "Mobility as a Service"):
            if alias not in aliases:
                problems.append(f"{themes['maas'][0]}: node 'maas' needs alias {alias!r}")
        if "transport-mobility" not in _ancestors(ds, "maas"):
            problems.append("relations: 'maas' is not SUBTHEME_OF (directly or transitively) 'transport-mobility'")
    for key, (fname, node) in themes.items():
        anc = _ancestors(ds, key)
        if key in anc:
            problems.append(f"{fname}: theme {key!r} is its own ancestor (SUBTHEME_OF cycle)")
        if node.get("theme_type") == "subtheme" and not anc:
            problems.append(f"{fname}: subtheme {key!r} has no SUBTHEME_OF parent")
        if node.get("theme_type") != "subtheme" and anc:
            problems.append(f"{fname}: {node.get('theme_type')} {key!r} should not be SUBTHEME_OF another theme")
    _fail_if(problems, "theme problems")


# --------------------------------------------------------------------------- 7. people


def test_people_carry_no_personal_data(ds: Dataset) -> None:
    personal = set()
    for kind in ds.schema["node_kinds"].values():
        for prop, spec in (kind.get("properties") or {}).items():
            if spec.get("personal"):
                personal.add(prop)
    personal |= {"email", "phone"}
    problems = []
    for fname, node in ds.nodes:
        for prop in sorted(personal & set(node)):
            problems.append(f"{fname}: node {node.get('key')!r} carries personal property {prop!r}")
        if node.get("kind") == "Person" and not (node.get("title_fi") or node.get("title_en")):
            problems.append(f"{fname}: Person {node.get('key')!r} is a role and needs title_fi/title_en")
    _fail_if(problems, "personal-data problems")


# --------------------------------------------------------------------------- 8. spot checks

SPOT_FACTS = [
    ("helsinki", "PARTNER_OF", "tallinn", lambda r: "twin" in str(r.get("role", "")).lower()),
    ("helsinki", "MEMBER_OF", "eurocities", None),
    ("helsinki", "MEMBER_OF", "city-possible", lambda r: r.get("role") == "founding member"),
    ("helsinki", "MEMBER_OF", "c40", lambda r: r.get("basis") == "inferred"),
    ("helsinki", "MEMBER_OF", "urban-20", lambda r: r.get("basis") == "inferred"),
    ("helsinki", "SUPPORTS", "helsinki-festival", lambda r: r.get("basis") == "stated"),
    ("helsinki", "SUPPORTS", "flow-festival", None),
    ("international-affairs-unit", "COORDINATES", "helsinki", lambda r: r.get("basis") == "stated"),
    ("new-york", "LEADS", "nycx-cyber-challenge", None),
    ("helsinki", "PARTICIPATES_IN", "nycx-cyber-challenge", None),
    ("helsinki", "PARTNER_OF", "bloomberg-philanthropies", None),
    ("helsinki", "PARTICIPATES_IN", "c40-cooperation-programme", None),
    ("helsinki", "PARTICIPATES_IN", "voluntary-local-review", None),
    ("c40", "TOUCHES", "climate", None),
    ("london", "TOUCHES", "smart-city", None),
    ("mayor", "LEADS", "key-international-openings", None),
    ("helsinki", "TOUCHES", "maas", None),
]


def test_spot_check_facts(ds: Dataset) -> None:
    problems = []
    for frm, rtype, to, check in SPOT_FACTS:
        found = ds.has(frm, rtype, to)
        if not found:
            problems.append(f"relations: missing {frm} -{rtype}-> {to}")
        elif check and not any(check(r) for r in found):
            problems.append(f"relations: {frm} -{rtype}-> {to} has unexpected properties: {found[0]}")
    # Who is our contact for C40? A Person is the contact, or someone owns the membership (whose
    # people the contact rule then finds: questions/contacts.py).
    if not any(
        r.get("to") == "c40"
        and (r.get("type") == "OWNS_MEMBERSHIP" or ds.by_key.get(r.get("from"), ("", {}))[1].get("kind") == "Person")
        for r in ds.edges("CONTACT_FOR") + ds.edges("OWNS_MEMBERSHIP")
    ):
        problems.append("relations: no one is CONTACT_FOR / OWNS_MEMBERSHIP of 'c40'")
    # Every membership has an owner (the document's rule), and none is a PARTNER_OF as well.
    owned = {r.get("to") for r in ds.edges("OWNS_MEMBERSHIP")}
    for r in ds.edges("MEMBER_OF"):
        if r.get("to") not in owned:
            problems.append(f"relations: membership of {r.get('to')!r} has no OWNS_MEMBERSHIP")
    partnered = {(r.get("from"), r.get("to")) for r in ds.edges("PARTNER_OF")}
    for r in ds.edges("MEMBER_OF") + ds.edges("SUPPORTS"):
        if (r.get("from"), r.get("to")) in partnered:
            problems.append(f"relations: {r.get('from')} -> {r.get('to')} is {r.get('type')} and PARTNER_OF")

    # Which partners touch MaaS and Smart City? Someone must touch both (or their sub-themes).
    def touched_under(root: str) -> set[str]:
        return {
            r.get("from") for r in ds.edges("TOUCHES") if r.get("to") == root or root in _ancestors(ds, r.get("to"))
        }

    if not touched_under("maas") & touched_under("smart-city"):
        problems.append("relations: no actor TOUCHES both 'maas' and 'smart-city' (or their sub-themes)")
    _fail_if(problems, "missing facts")
