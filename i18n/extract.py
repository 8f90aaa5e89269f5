"""Which message ids the code uses, found by Babel's own extractors, and the catalogues kept in
step with them.

Python (`_("…")`, `N_("…")`, `gettext(lang, "…")`), Jinja2 templates (`_("…")`) and the pages'
JavaScript (`t("…")`) are scanned, and the `label`s of the schema's kinds, relation types and
relation groups (`graph/schema.yaml`, read as data: i18n imports nothing of ours).
`python -m i18n.extract` lists what is missing or unused; `--update` adds the missing ids to every
catalogue (empty, to translate) and drops unused ones.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

from i18n import LANGUAGES, LOCALES_DIR

ROOT = LOCALES_DIR.parents[1]
PYTHON_PACKAGES = ("graph", "loaders", "questions", "api", "viz", "partnergraph", "i18n")
TEMPLATE_DIRS = ("api/templates", "viz/templates")
SCRIPTS = ("api/static/explorer.js", "viz/static/map.js", "api/static/docs.js")
SCHEMA = "graph/schema.yaml"
SCHEMA_LABELLED = ("node_kinds", "relation_types", "relation_groups")
PY_KEYWORDS = {"_": None, "N_": None, "gettext": (2,)}
JS_KEYWORDS = {"t": None}


def sources() -> Iterator[tuple[str, Path]]:
    """(extraction method, file) for every file that may show a text."""
    for package in PYTHON_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name != "extract.py":
                yield "python", path
    for folder in TEMPLATE_DIRS:
        for path in sorted((ROOT / folder).glob("*.j2")):
            yield "jinja2", path
    for name in SCRIPTS:
        if (ROOT / name).exists():
            yield "javascript", ROOT / name


def schema_ids() -> dict[str, list[str]]:
    """The labels the schema declares, with where (`graph/schema.yaml:node_kinds.City`); none in a
    tree without a schema."""
    path = ROOT / SCHEMA
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    found: dict[str, list[str]] = {}
    for section in SCHEMA_LABELLED:
        for name, body in (raw.get(section) or {}).items():
            label = (body or {}).get("label")
            if isinstance(label, str) and label:
                found.setdefault(label, []).append(f"{SCHEMA}:{section}.{name}")
    return found


def used_ids() -> dict[str, list[str]]:
    """Every literal message id in the code and every label of the schema, with where it is used
    (file:line)."""
    found: dict[str, list[str]] = schema_ids()
    for method, path in sources():
        keywords = JS_KEYWORDS if method == "javascript" else PY_KEYWORDS
        extractor = "jinja2.ext:babel_extract" if method == "jinja2" else method
        options = {"trim_blocks": "true", "lstrip_blocks": "true"} if method == "jinja2" else {}
        with path.open("rb") as handle:
            for line, message, _comments, _context in extract(extractor, handle, keywords, options=options):
                if isinstance(message, str) and message:
                    found.setdefault(message, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def read(language: str) -> Catalog:
    with (LOCALES_DIR / f"{language}.po").open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> None:
    """Add missing ids (empty; English gets the id itself) and drop unused ones, in every catalogue."""
    used = used_ids()
    for language in LANGUAGES:
        catalogue = read(language)
        out = Catalog(locale=language, project="partnergraph", fuzzy=False)
        known = {str(m.id): m for m in catalogue if m.id}
        for message_id in sorted(used, key=str.casefold):
            old = known.get(message_id)
            text = old.string if old is not None and old.string else (message_id if language == "en" else "")
            out.add(message_id, str(text), locations=[])
        with (LOCALES_DIR / f"{language}.po").open("wb") as handle:
            write_po(handle, out, width=0, omit_header=False, no_location=True, sort_output=False)


def main() -> int:
    if "--update" in sys.argv:
        update()
    used = used_ids()
    problems = 0
    for language in LANGUAGES:
        have = {str(m.id): str(m.string) for m in read(language) if m.id}
        missing = sorted(i for i in used if not have.get(i))
        unused = sorted(set(have) - set(used))
        problems += len(missing) + len(unused)
        print(f"{language}: {len(have)} entries, {len(missing)} missing or empty, {len(unused)} unused")
        for message_id in missing[:20]:
            print(f"  missing: {message_id!r} ({used[message_id][0]})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
