"""Text folding for search: what makes "Helsingissä", "helsingissa" and "HELSINKI" comparable.

Names arrive in Finnish, Swedish and English, with diacritics, inflection and typos. Folding
removes case and diacritics (a/ä, o/ö, å); `variants` strips the commonest Finnish case endings
and undoes the nk/ng consonant gradation, so an inflected query meets the base form; `stems`
adds the Snowball stems (PyStemmer: Finnish, Swedish, English) of a word as written, so plurals
and cases the suffix list misses ("verkostot", "städer", "networks") meet their base form too;
trigrams give typo tolerance. Everything here is deterministic, shared by the index and the queries.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import Stemmer

STEM_LANGUAGES = ("finnish", "swedish", "english")
MIN_STEM_WORD = 4  # shorter words ("C40", "EU") are not stemmed
_WORD = re.compile(r"[^\W_]+")
_STEMMERS = tuple(Stemmer.Stemmer(language) for language in STEM_LANGUAGES)
_STEM_LOCK = threading.Lock()  # a PyStemmer object is not to be shared between threads at once

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Finnish case endings and clitics, already folded (ä -> a, ö -> o); longest are tried first.
_SUFFIXES = tuple(
    sorted(
        {
            "kin",
            "kaan",
            "han",  # clitics
            "ssa",
            "sta",
            "lla",
            "lta",
            "lle",
            "ksi",
            "tta",
            "ine",
            "na",
            "ta",  # local and other cases
            "seen",
            "hin",
            "iin",
            "aan",
            "een",
            "oon",
            "uun",
            "yyn",  # illatives
            "issa",
            "ista",
            "illa",
            "ilta",
            "ille",
            "ihin",
            "iksi",
            "ina",
            "iden",
            "ien",
            "jen",  # plurals
            "mme",
            "nne",
            "nsa",  # possessives
            "n",
            "a",
            "t",  # genitive, partitive, plural
        },
        key=lambda s: (-len(s), s),
    )
)
MIN_STEM = 4
MAX_VARIANTS = 4


class _Folding(dict[int, str]):
    """Per-character folding table for `str.translate`, filled on first sight of a character."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")
        self[code] = folded
        return folded


_FOLDING = _Folding()


def fold(text: str) -> str:
    """Lower case, no diacritics, words separated by single spaces ("Kööpenhamina" -> "koopenhamina")."""
    text = text.casefold()
    if not text.isascii():
        text = text.translate(_FOLDING)
    return _NON_WORD.sub(" ", text).strip()


_SEPARATOR = "\x1f"  # a control character no folding makes; a text holding it takes the slow path
_NON_WORD_BUT_SEPARATOR = re.compile(r"[^0-9a-z\x1f]+")
# The same for ASCII text, byte for byte: every other byte a space (a third of the regex's time).
_ASCII_WORDS = bytes(c if chr(c) in "0123456789abcdefghijklmnopqrstuvwxyz" + _SEPARATOR else 32 for c in range(256))


def word_stream(texts: Sequence[str], mark: str) -> list[str]:
    """The folded words of every text in one list, the texts' words separated by `mark` (not a
    folded word): `f" {mark} ".join(fold(t) for t in texts).split()`, in one pass over all the
    text, since folding is per character (10^5 names: a third of the time)."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) == len(texts) - 1:
        folded = joined.casefold()
        if not folded.isascii():
            folded = folded.translate(_FOLDING)
        if folded.isascii():
            folded = folded.encode("ascii").translate(_ASCII_WORDS).decode("ascii")
        else:
            folded = _NON_WORD_BUT_SEPARATOR.sub(" ", folded)
        if folded.count(_SEPARATOR) == len(texts) - 1:
            return folded.replace(_SEPARATOR, f" {mark} ").split()
    return f" {mark} ".join(fold(text) for text in texts).split()  # a text holds the separator (or none)


def tokens(text: str) -> list[str]:
    """The folded words of a text, in order, without duplicates."""
    return list(dict.fromkeys(fold(text).split()))


@lru_cache(maxsize=65_536)
def variants(token: str) -> tuple[str, ...]:
    """The token, then stems without a Finnish case ending, with nk/ng gradation undone.

    "helsingissa" -> ("helsingissa", "helsingi", "helsing", "helsinki", …); a stem keeps at least
    `MIN_STEM` letters so short words are not reduced to noise.
    """
    out = [token]
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= MIN_STEM:
            stem = token[: -len(suffix)]
            out.append(stem)
            if "ng" in stem:
                # Consonant gradation: Helsinki -> Helsingin, Helsingissä.
                out.append(_replace_last(stem, "ng", "nk") + ("i" if stem.endswith("ng") else ""))
        if len(out) >= MAX_VARIANTS:
            break
    return tuple(dict.fromkeys(out))[:MAX_VARIANTS]


def raw_words(text: str) -> list[str]:
    """The words of a text as written (case folded, diacritics kept: what the stemmers read)."""
    return _WORD.findall(text.casefold())


@lru_cache(maxsize=262_144)
def stems(raw_word: str) -> tuple[str, ...]:
    """The folded Snowball stems of one word as written, in Finnish, Swedish and English, distinct.

    "verkostot" -> ("verkosto", "verkostot"); "städer" -> ("stader", "stad"). Words with digits or
    shorter than MIN_STEM_WORD have none.
    """
    if len(raw_word) < MIN_STEM_WORD or not raw_word.isalpha():
        return ()
    with _STEM_LOCK:
        found = [stemmer.stemWord(raw_word) for stemmer in _STEMMERS]
    return tuple(dict.fromkeys(folded for stem in found if len(folded := fold(stem)) >= MIN_STEM and " " not in folded))


def _replace_last(text: str, old: str, new: str) -> str:
    head, _, tail = text.rpartition(old)
    return head + new + tail


@lru_cache(maxsize=262_144)
def trigrams(token: str) -> frozenset[str]:
    """Character trigrams of one word, padded so that its first letters weigh more than its last."""
    padded = f"  {token} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))
