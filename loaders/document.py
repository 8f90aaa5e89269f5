"""Mentions of known entities in a text or markdown document (Finnish or English).

The document is split into sections (markdown `#` headings, numbered heading lines such as
`2.1 Heading`, or ALL-CAPS lines) and sentences. Every name and alias of the entities already
known (stored, or read from earlier sources of the same load) is looked up as whole words, case-
and diacritic-insensitively ("helsinki" finds Helsinki, "Malmo" finds Malmö; Finnish inflected
forms are found when they are aliases, like "Tallinnan"). A mention becomes provenance on the
entity: the document, section, sentence number and the sentence itself. Entities named in the same
sentence are reported as candidate relations for a person to review; they are never written.

The lookup is one pass over each sentence's words with a dictionary of name word sequences, so the
cost grows with the document's length, not with entities x sentences.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pydantic import ValidationError

from graph.model import MAX_STRING, MAX_TEXT, RecordError, Source
from graph.schema import Schema
from loaders.base import LoadOptions, SourceRead, register
from loaders.csvutil import FileError, fold, read_text, where

SUFFIXES = (".txt", ".md", ".markdown")
_WORD = re.compile(r"\w+")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*$")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,3})*\.?\s+(?P<first>\w)")
_RULE = re.compile(r"^\s*([-=*_])(\s*\1){2,}\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BOUNDARY = re.compile(r"[.!?…]+[\"”’»)\]]*\s+")
_LAST_WORD = re.compile(r"(\S+)$")
MAX_HEADING = 150
_SENTENCE_END = (".", "!", "?", ":", "…")
# Words a full stop does not end a sentence after (lower-case, without the stop).
# fmt: off
ABBREVIATIONS = frozenset({
    "mm", "esim", "ns", "ym", "jne", "vrt", "ks", "ts", "yms", "eli", "n", "noin", "milj", "mrd", "klo", "nro",
    "s", "puh", "st", "dr", "mr", "mrs", "ms", "prof", "e.g", "i.e", "etc", "vs", "no", "approx", "cf", "fig",
})
# fmt: on


@dataclass
class Section:
    title: str | None
    line: int
    paragraphs: list[str] = field(default_factory=list)


def _heading(line: str) -> str | None:
    """The title if `line` is a heading: `# Title`, `2.1 Title`, or an ALL-CAPS line."""
    match = _MARKDOWN_HEADING.match(line)
    if match:
        return match["title"]
    if len(line) > MAX_HEADING or line.endswith((".", ",", ";", ":", "!", "?")):
        return None
    numbered = _NUMBERED_HEADING.match(line)
    if numbered and numbered["first"].isupper():
        return line
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return line
    return None


def _clean(text: str) -> str:
    """Markdown emphasis and links to their words; whitespace collapsed."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    return " ".join(text.split())


def sections(text: str) -> list[Section]:
    """The document's sections with their paragraphs (a list item is a paragraph of its own)."""
    out = [Section(None, 1)]
    lines: list[str] = []

    def flush() -> None:
        if lines:
            out[-1].paragraphs.append(_clean(" ".join(lines)))
            lines.clear()

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or _RULE.match(line):
            flush()
            continue
        title = _heading(line)
        if title is not None:
            flush()
            out.append(Section(_clean(title), number))
            continue
        bullet = _BULLET.match(line)
        previous = out[-1].paragraphs
        if bullet:
            flush()
            line = line if line[0].isdigit() else line[bullet.end() :]
        elif not lines and previous and line[:1].islower() and not previous[-1].endswith(_SENTENCE_END):
            # a paragraph that stopped mid-sentence at a blank line (a page break in a text made
            # from a PDF) goes on here
            lines.append(previous.pop())
        lines.append(line)
    flush()
    return [s for s in out if s.paragraphs]


def sentences(paragraph: str) -> Iterator[str]:
    """The paragraph's sentences: a boundary is . ! ? followed by space and a capital or digit,
    except after an abbreviation or an initial ("mm.", "St.", "J.")."""
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        following = paragraph[match.end() : match.end() + 1]
        if not (following.isupper() or following.isdigit() or following in '"“«('):
            continue
        word = _LAST_WORD.search(paragraph, start, match.start() + 1)
        if match.group().startswith(".") and word:
            last = word.group(1).rstrip(".").casefold()
            if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
            if last.isdigit() and not paragraph[start : match.start()].strip(" 0123456789"):
                continue  # the number of a list item
        yield paragraph[start : match.end()].strip()
        start = match.end()
    if paragraph[start:].strip():
        yield paragraph[start:].strip()


class Matcher:
    """Finds known entities in text by their names' word sequences (folded: casefold, no marks).

    A name shared by several entities is ambiguous and not looked for; the longest name wins where
    names overlap ("Helsinki Business Hub" is not also a mention of Helsinki)."""

    def __init__(self, known: Mapping[str, list[str]]):
        owners: dict[tuple[str, ...], set[str]] = {}
        for key, names in known.items():
            for name in names:
                words = tuple(_WORD.findall(fold(name)))
                if words:
                    owners.setdefault(words, set()).add(key)
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for words, keys in owners.items():
            if len(keys) == 1:
                self.by_first.setdefault(words[0], []).append((words, next(iter(keys))))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))

    def find(self, text: str) -> list[str]:
        """Keys of the entities `text` mentions, in order of first mention."""
        words = _WORD.findall(fold(text))
        found: dict[str, None] = {}
        i = 0
        while i < len(words):
            for name, key in self.by_first.get(words[i], ()):
                if tuple(words[i : i + len(name)]) == name:
                    found[key] = None
                    i += len(name)
                    break
            else:
                i += 1
        return list(found)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@register
class DocumentLoader:
    name: ClassVar[str] = "document"
    description: ClassVar[str] = "a text or markdown document: mentions of known entities become provenance"
    uses_known_entities: ClassVar[bool] = True

    def detect(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in SUFFIXES

    def read(self, path: Path, schema: Schema, options: LoadOptions) -> SourceRead:
        result = SourceRead(source=str(path))
        doc = options.document_id or path.stem
        try:
            text = read_text(path)
            Source(doc=doc, quote="-")
        except FileError as exc:
            result.errors.append(exc.error)
            return result
        except ValidationError:
            result.errors.append(RecordError(where(str(path), 1), "document_id", f"not a usable document id: {doc!r}"))
            return result
        if not options.known_entities:
            result.errors.append(
                RecordError(where(str(path), 1), "(entities)", "no known entities to look for: load entities first")
            )
            return result
        matcher = Matcher(options.known_entities)
        for section in sections(text):
            title = _clip(section.title, MAX_STRING) if section.title else None
            number = 0
            for paragraph in section.paragraphs:
                for sentence in sentences(paragraph):
                    number += 1
                    keys = matcher.find(sentence)
                    if not keys:
                        continue
                    quote = _clip(sentence, MAX_TEXT)
                    source = Source(doc=doc, section=title, quote=quote, sentence=number)
                    for key in keys:
                        result.batch.provenance.setdefault(key, []).append(source)
                    for start, end in itertools.combinations(keys, 2):
                        result.candidates.append(
                            {
                                "start": start,
                                "end": end,
                                "quote": quote,
                                "section": title,
                                "doc": doc,
                                "sentence": number,
                            }
                        )
        return result
