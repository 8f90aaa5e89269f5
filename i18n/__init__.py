"""Message catalogues: every text the explorer, the maps, the briefings and the CLI show, in
Finnish, Swedish and English.

The catalogues are gettext `.po` files (`i18n/locales/{fi,sv,en}.po`), read with Babel's own
parser when first needed (no compile step at install). Message ids are the English texts; a text
with values in it uses `{name}` fields, filled by `str.format` after translation. Code marks its
texts with `_("…")` (Python, Jinja2 templates) or `t("…")` (JavaScript), and `N_("…")` where a text
is only declared (a table of labels) and translated later; `tests/test_i18n.py` extracts every
such id with Babel's extractors and requires a non-empty entry in each catalogue, and no entry
that nothing uses.

The language is one of `LANGUAGES`; `choose()` picks it from what a request or a command offers
(an explicit choice, a remembered one, `Accept-Language` or the locale), falling back to English.
This package imports nothing of ours: every layer may use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LANGUAGES = ("fi", "sv", "en")
DEFAULT = "en"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
COOKIE = "pg_lang"  # the explorer's remembered choice
ENV_VAR = "PARTNERGRAPH_LANG"
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}

Translate = Callable[..., str]


def N_(message: str) -> str:  # gettext's own name: mark now, translate where shown
    """Marks a text for the catalogues without translating it (it is translated where shown)."""
    return message


@cache
def catalogue(language: str) -> dict[str, str]:
    """The messages of one language, id -> text (untranslated ids are absent)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    with (LOCALES_DIR / f"{language}.po").open("rb") as handle:
        parsed = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in parsed if m.id and isinstance(m.id, str) and m.string}


def gettext(language: str, message: str, /, **values: Any) -> str:
    """`message` in `language` (the English id when a catalogue lacks it), with `values` filled in."""
    text = catalogue(normalise(language) or DEFAULT).get(message, message)
    return text.format(**values) if values else text


def translator(language: str | None) -> Translate:
    """A `_` for one language: `_("Contacts")`, `_("{count} nodes", count=3)`."""
    chosen = normalise(language) or DEFAULT

    def translate(message: str, /, **values: Any) -> str:
        return gettext(chosen, message, **values)

    return translate


def normalise(tag: str | None) -> str | None:
    """The language of a tag such as `sv-FI`, `fi_FI.UTF-8` or `EN`, if it is one of ours."""
    if not tag:
        return None
    base = re.split(r"[-_.@]", tag.strip().lower(), maxsplit=1)[0]
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages in an `Accept-Language` header (by q-value, then order)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        language = normalise(tag)
        if language and quality > 0:
            ranked.append((-quality, index, language))
    return min(ranked)[2] if ranked else None


def choose(*offered: str | None, accept_language: str | None = None) -> str:
    """The first of `offered` that is one of our languages, else the best of `Accept-Language`,
    else English."""
    for tag in offered:
        language = normalise(tag)
        if language:
            return language
    return from_accept_language(accept_language) or DEFAULT


def from_environment(explicit: str | None = None) -> str:
    """The CLI's language: `--lang`, then PARTNERGRAPH_LANG, then the locale (LC_ALL, LC_MESSAGES, LANG)."""
    return choose(explicit, os.environ.get(ENV_VAR), *(os.environ.get(v) for v in ("LC_ALL", "LC_MESSAGES", "LANG")))


def messages(language: str, ids: Iterable[str] | None = None) -> dict[str, str]:
    """The catalogue of one language as id -> text, for a page's scripts (every id, or `ids`)."""
    found = catalogue(normalise(language) or DEFAULT)
    return dict(found) if ids is None else {i: found.get(i, i) for i in ids}
