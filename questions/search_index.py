"""An in-memory fuzzy index over entity names and aliases, the same on every backend.

Full-text indexes differ between Neo4j and ArcadeDB (and ArcadeDB's cannot be created from
Cypher), so search does not use them: the index is built from the names (one Cypher read, or the
projection's columns) and lives in the process (questions.search keeps it fresh).

Words are matched by character trigrams through an inverted index held in numpy arrays: a query
word reads only the postings of its rarest trigrams (prefix filtering) and counts shared trigrams
with `np.unique`, never scanning the vocabulary in Python; prefixes (autocomplete) come from a
sorted vocabulary. A name scores the mean similarity of the query's words times how much of the
name they cover, so "Helsinki" ranks the city above "Helsinki Airport". A query word also
matches through its Snowball stems (Finnish, Swedish, English); a long word made of two known
words is also read as its head and as both words; a head word naming a kind (`kind_words`, from
the schema) lifts that kind. Measured outside `make bench` on 10^5 generated entities (two
cores, shared): a query takes a few ms at the median; a build 1.0-1.3 s where the loop over each
phrase's words it replaced took 2.4-2.7 s in the same runs (the cyclic garbage collector paused
in both), and it keeps 36 MB of Python objects where that one kept 77 MB (tracemalloc). Entities
made on demand and word ids from one dict pass took a further 15% off (medians of 6 interleaved
builds, the other core busy: 1.17 against 1.38 s). Repeated phrases compared in one numpy step
and the aliases flattened at C speed took 10% more (0.61 → 0.55 s: medians of 5 builds of the
benchmark's 10^5 entities, old and new interleaved twice, the machine idle). `make bench` prints the
build at 10^5 names.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast, overload

import numpy as np
import numpy.typing as npt

from questions.collector import long_lived
from questions.columns import gather
from questions.text import fold, raw_words, stems, tokens, trigrams, variants, word_stream

MIN_WORD_SIMILARITY = 0.5  # a query word and a name word less similar than this do not match
MIN_SCORE = 0.45  # names scoring below this are not results
STEM_WEIGHT = 0.92  # a match through a stripped Finnish ending counts a little less than a direct one
WORDS_PER_QUERY_WORD = 200  # best vocabulary matches kept per query word: bounds the work per query
MULTI_WORDS_PER_QUERY_WORD = 60  # the same for each word of a query of several words
COMMON_WORD_PHRASES = 2_000  # a query word in more names than this does not bring in candidates
NAME_FIELDS = ("name_fi", "name_en", "name_sv")
COMPOUND_MIN = 8  # a query word this long that matches nothing exactly may be a compound: kaupunki|verkostot
COMPOUND_PART = 3  # each part of a compound has at least this many letters
COMPOUND_HEAD_WEIGHT = 0.85  # "kaupunkiverkostot" read as its head "verkostot" (a kind of network)
COMPOUND_BOTH_WEIGHT = 0.9  # … and as its two words "kaupunki verkostot"
KIND_BONUS = 0.3  # a query whose head word names a kind ("city networks", "verkostot") lifts that kind's
# entities by this share of what they miss from a perfect score (so never above an exact name)

IntArray = npt.NDArray[np.int32]
Ints = npt.NDArray[np.int64]


class IndexedEntity(NamedTuple):
    """An entity as the index knows it (a tuple: 10^5 of them are made at each build)."""

    key: str
    kind: str
    name_fi: str | None
    name_en: str | None
    name_sv: str | None = None


class NameColumns(NamedTuple):
    """What the index is built from, as columns with one item per entity, in key order."""

    keys: Sequence[str]
    kinds: Sequence[str]
    names_fi: Sequence[object]
    names_en: Sequence[object]
    names_sv: Sequence[object]
    aliases: Sequence[object]  # a list of texts, or None

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, object]]) -> NameColumns:
        ordered = sorted(rows, key=lambda r: str(r["key"]))
        return cls(
            [str(r["key"]) for r in ordered],
            [str(r["kind"]) for r in ordered],
            *([r.get(field) for r in ordered] for field in (*NAME_FIELDS, "aliases")),
        )

    def names(self) -> tuple[Sequence[object], Sequence[object], Sequence[object]]:
        """The name columns, in NAME_FIELDS order."""
        return self.names_fi, self.names_en, self.names_sv


_KEY_SLOT = 1 << 30  # the key comes after an entity's names (slots 0-2) and its aliases (3, 4, …)
_MARK = "|"  # separates phrases in the token stream: folded text holds only [0-9a-z ]
_HASH_BASE = 1_000_003  # of the polynomial hash (mod 2^64) that finds an entity's repeated phrases


@dataclass(frozen=True)
class Hit:
    """One entity found, with the name or alias that matched best."""

    entity: IndexedEntity
    score: float
    matched: str
    field: str


class SearchIndex:
    """Trigram index over the words of every name, alias and key; immutable once built."""

    def __init__(self, rows: Iterable[Mapping[str, object]], kind_words: Mapping[str, str] | None = None):
        """`rows`: each entity's key, kind, names and aliases (`INDEX_COLUMNS`). `kind_words`: folded
        words naming a node kind (the schema's names of kinds in fi, sv, en: "verkosto", "natverk",
        "networks" -> Network), for queries whose head word names a kind."""
        self._build(NameColumns.of(rows), kind_words)

    @classmethod
    def from_columns(cls, columns: NameColumns, kind_words: Mapping[str, str] | None = None) -> SearchIndex:
        """The index of names already held as columns in key order (the projection's)."""
        index = cls.__new__(cls)
        index._build(columns, kind_words)
        return index

    def _build(self, columns: NameColumns, kind_words: Mapping[str, str] | None) -> None:
        self._kind_words = dict(kind_words or {})
        with long_lived():  # millions of small objects: the cyclic collector would only slow the build
            self._add_all(columns)
            self._words = list(self._word_ids)
            self._build_postings()
        order = sorted(range(len(self._words)), key=self._words.__getitem__)
        self._sorted_words = list(map(self._words.__getitem__, order))
        self._sorted_ids = np.asarray(order, dtype=np.int32)
        self._sorted_lengths = np.fromiter(map(len, self._sorted_words), dtype=np.int32, count=len(order))

    def __len__(self) -> int:
        return len(self.entities)

    def _texts(self, columns: NameColumns) -> tuple[list[str], Ints, Ints]:
        """The entities (kept in `self.entities`), and every text to index with its entity and its
        place among the entity's texts (names 0-2, aliases 3…, the key last), in entity order."""
        names = [_texts_or_none(column) for column in columns.names()]
        keys, self._kinds = _texts(columns.keys), _texts(columns.kinds)
        self.entities = _Entities(keys, self._kinds, *names)
        texts: list[str] = []
        owners: list[Ints] = []
        slots: list[Ints] = []
        for slot, column in enumerate(names):
            have = np.flatnonzero(np.fromiter(map(bool, column), dtype=bool, count=len(column)))
            texts += gather(column, have.tolist())  # type: ignore[arg-type]
            owners.append(have)
            slots.append(np.full(len(have), slot, dtype=np.int64))
        alias_texts, alias_owners, alias_slots = _aliases(columns.aliases)
        texts += alias_texts
        texts += keys
        owners += [alias_owners, np.arange(len(keys), dtype=np.int64)]
        slots += [alias_slots, np.full(len(keys), _KEY_SLOT, dtype=np.int64)]
        owner, place = np.concatenate(owners), np.concatenate(slots)
        pick = np.lexsort((place, owner))
        return list(gather(texts, pick.tolist())), owner[pick], place[pick]

    def _add_all(self, columns: NameColumns) -> None:
        """Every entity's phrases (names, aliases, key), each its distinct word ids in order.

        The hot path of a build (10^5 entities, about 2.3·10^5 phrases), so nothing runs per word
        in Python but one dict lookup: the texts are put in entity order (names, aliases, key),
        folded and split in one pass, and given word ids in order of first appearance; numpy
        drops a word repeated within a phrase and groups each word's phrases. A phrase with no
        words, or with the words of an earlier phrase of the same entity, is left out."""
        texts, owners, slots = self._texts(columns)
        # One stream of folded words, the phrases separated by a mark folding never leaves.
        stream = word_stream(texts, _MARK)
        # One dict pass: each word's first place in the stream; word ids follow first appearance.
        first_at: dict[str, int] = {}
        at = np.fromiter(map(first_at.setdefault, stream, itertools.count()), dtype=np.int64, count=len(stream))
        del stream
        mark_at = first_at.pop(_MARK, -1)
        firsts = np.zeros(len(at), dtype=bool)
        firsts[np.fromiter(first_at.values(), dtype=np.int64, count=len(first_at))] = True
        ids = (np.cumsum(firsts) - 1)[at]
        ids[at == mark_at] = -1
        self._word_ids = word_ids = dict(zip(first_at, itertools.count()))
        del first_at, firsts, at
        marks = ids < 0
        phrase_of, word_of = np.cumsum(marks, dtype=np.int64)[~marks], ids[~marks]
        # A word repeated within a phrase counts once, at its first place (rare: sorted keys tell).
        pair = phrase_of * max(len(word_ids), 1) + word_of
        if not _run_starts(np.sort(pair)).all():
            _, first = np.unique(pair, return_index=True)
            first.sort()
            phrase_of, word_of = phrase_of[first], word_of[first]
        kept = self._distinct_phrases(owners, phrase_of, word_of)
        renumbered = np.full(len(texts), -1, dtype=np.int64)
        renumbered[kept] = np.arange(len(kept))
        phrase_of = renumbered[phrase_of]
        alive = phrase_of >= 0
        phrase_of, word_of = phrase_of[alive], word_of[alive]
        picked = kept.tolist()
        self._phrase_entity = _ints(owners[kept])
        self._phrase_text: list[str] = list(gather(texts, picked))
        kept_slots = slots[kept]
        codes = np.where(kept_slots == _KEY_SLOT, len(NAME_FIELDS) + 1, np.minimum(kept_slots, len(NAME_FIELDS)))
        self._phrase_field: list[str] = list(gather((*NAME_FIELDS, "alias", "key"), codes.tolist()))
        # Each phrase's words, in order; each word's phrases, in increasing phrase id (one sort of
        # packed ints). Held as flat 4-byte arrays: as lists of ints they took 40 MB more at 10^5.
        self._phrase_words = _Ragged(word_of, np.bincount(phrase_of, minlength=len(picked)))
        phrase_count = max(len(picked), 1)
        by_word = np.sort(word_of * phrase_count + phrase_of)
        self._word_phrases = _Ragged(by_word % phrase_count, np.bincount(word_of, minlength=len(word_ids)))

    @staticmethod
    def _distinct_phrases(owners: Ints, phrase_of: Ints, word_of: Ints) -> Ints:
        """The phrases to keep, in order: those with words, but not the words of an earlier phrase
        of the same entity ("Helsinki" as name_fi and name_en). Phrases with the same entity, length
        and hash of their words are compared word by word, so a hash collision drops nothing."""
        count = len(owners)
        sizes = np.bincount(phrase_of, minlength=count)
        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        position = np.arange(len(word_of)) - starts[phrase_of]
        powers = np.cumprod(np.full(int(position.max(initial=0)) + 1, _HASH_BASE, dtype=np.uint64))
        hashes = np.zeros(count, dtype=np.uint64)
        filled = np.flatnonzero(sizes)
        if len(filled):
            terms = (word_of.astype(np.uint64) + np.uint64(1)) * powers[position]
            hashes[filled] = np.add.reduceat(terms, starts[filled])
        order = filled[np.lexsort((filled, hashes[filled], sizes[filled], owners[filled]))]
        same = (
            (owners[order[1:]] == owners[order[:-1]])
            & (sizes[order[1:]] == sizes[order[:-1]])
            & (hashes[order[1:]] == hashes[order[:-1]])
        )
        dropped = np.zeros(count, dtype=bool)
        candidates = np.flatnonzero(same) + 1  # places in `order` whose phrase may repeat the one before
        if len(candidates):
            # Each candidate against the phrase just before it, word by word, all in one comparison:
            # equal words drop it (equality chains back to the group's first phrase, which is kept).
            phrase, before = order[candidates], order[candidates - 1]
            lengths = sizes[phrase]
            pair = np.repeat(np.arange(len(candidates)), lengths)
            offset = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            differs = word_of[starts[phrase][pair] + offset] != word_of[starts[before][pair] + offset]
            repeats = np.bincount(pair, weights=differs, minlength=len(candidates)) == 0
            dropped[phrase[repeats]] = True
            collided = candidates[~repeats]  # same hash, other words: any earlier phrase of the group may match
            if len(collided):
                flat, bounds = word_of.tolist(), starts.tolist()
                group_first = np.maximum.accumulate(np.where(np.concatenate([[True], ~same]), np.arange(len(order)), 0))
                ordered = order.tolist()
                for at in collided.tolist():
                    one = ordered[at]
                    words = flat[bounds[one] : bounds[one + 1]]
                    for earlier in ordered[group_first[at] : at]:
                        if not dropped[earlier] and flat[bounds[earlier] : bounds[earlier + 1]] == words:
                            dropped[one] = True
                            break
        return filled[~dropped[filled]]

    def exact(self, text: str) -> list[IndexedEntity]:
        """The entities one of whose names, aliases or key is `text`, up to case and diacritics.

        Read from the phrases of the query's rarest word, so the build keeps no extra map.
        """
        folded = fold(text)
        ids = [self._word_ids.get(word) for word in dict.fromkeys(folded.split())]
        if not ids or None in ids:
            return []
        rarest = min((i for i in ids if i is not None), key=lambda i: len(self._word_phrases[i]))
        entity, phrase_text = self._phrase_entity, self._phrase_text
        found = {entity[p] for p in self._word_phrases[rarest] if fold(phrase_text[p]) == folded}
        return [self.entities[i] for i in sorted(found)]

    def _known(self, word: str, raw: str) -> bool:
        """A word of the vocabulary, or one with a vocabulary word's stem."""
        return word in self._word_ids or any(stem in self._word_ids for stem in stems(raw))

    def _build_postings(self) -> None:
        """Compressed postings: the words holding trigram g are `_entries[_starts[g]:_starts[g + 1]]`.

        Trigram ids follow the trigrams' text order. Built on code points, not on Python strings:
        every word padded as `trigrams` pads it, all in one array; a trigram is three code points
        packed in one int64 (21 bits each, so integer order is text order), deduplicated within
        each word. The query-time cache of `trigrams` stays empty (it filled with ~10^5 frozensets,
        about 100 MB at 10^5 names, when the vocabulary went through it)."""
        count = len(self._words)
        sizes = np.fromiter(map(len, self._words), dtype=np.int64, count=count) + 3  # "  " + word + " "
        padded = "  " + "   ".join(self._words) + " " if count else ""
        points = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ends = np.cumsum(sizes)
        starts = ends - sizes
        # Trigram i of a word starts at its position i; a word of n padded letters has n - 2.
        counts = sizes - 2
        first = np.repeat(starts, counts) + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        codes = points[first] << 42 | points[first + 1] << 21 | points[first + 2]
        names, gram_of = np.unique(codes, return_inverse=True)
        # Each (trigram, word) pair once, ordered by trigram then word: plain sorts of packed ints
        # (numpy's lexsort and its unique without indices are several times slower here).
        word_count = max(count, 1)
        by_word = gram_of.reshape(-1) + len(names) * np.repeat(np.arange(count, dtype=np.int64), counts)
        by_word.sort()
        pairs = by_word[_run_starts(by_word)]
        words, grams = np.divmod(pairs, max(len(names), 1))
        by_gram = np.sort(grams * word_count + words)
        entries = by_gram % word_count
        mask = (1 << 21) - 1
        self._gram_ids: dict[str, int] = {
            chr(c >> 42) + chr(c >> 21 & mask) + chr(c & mask): i for i, c in enumerate(names.tolist())
        }
        self._entries: IntArray = entries.astype(np.int32)
        self._starts = np.searchsorted(by_gram // word_count, np.arange(len(names) + 1))
        self._gram_counts: IntArray = np.bincount(words, minlength=count).astype(np.int32)

    # -- querying -------------------------------------------------------------------------------

    def similar_words(
        self, query_word: str, *, keep: int = WORDS_PER_QUERY_WORD, raw: str | None = None
    ) -> dict[int, float]:
        """The vocabulary words closest to one query word: itself, its Finnish variants and its Snowball
        stems (`raw`: the word as written, which the stemmers read), each by trigrams."""
        out: dict[int, float] = {}
        for n, variant in enumerate(dict.fromkeys([*variants(query_word), *stems(raw or query_word)])):
            weight = 1.0 if n == 0 else STEM_WEIGHT
            found = self._by_trigrams(variant)
            if n == 0 and len(variant) >= 3:
                # Typing the start of a name (autocomplete) is a good match, better the more is typed.
                for word_id, bonus in self._by_prefix(variant, keep):
                    found[word_id] = max(found.get(word_id, 0.0), bonus)
            for word_id, similarity in found.items():
                if similarity * weight > out.get(word_id, 0.0):
                    out[word_id] = similarity * weight
        if len(out) > keep:
            best = sorted(out.items(), key=_best_first)[:keep]
            out = dict(best)
        return out

    def _by_trigrams(self, word: str) -> dict[int, float]:
        """Words whose Dice similarity of trigrams with `word` reaches MIN_WORD_SIMILARITY.

        Dice >= 0.5 needs at least a third of the query's trigrams in common, so every match is in
        the postings of its rarest len - ceil(len/3) + 1 trigrams (prefix filtering); the common
        trigrams are then only looked up for those candidates, by binary search.
        """
        grams = trigrams(word)
        known = sorted(
            (self._gram_ids[g] for g in grams if g in self._gram_ids),
            key=lambda g: (int(self._starts[g + 1] - self._starts[g]), g),
        )
        probes = len(grams) - math.ceil(len(grams) / 3) + 1
        if not known[:probes]:
            return {}
        hits = np.concatenate([self._postings(g) for g in known[:probes]])
        candidates, shared = np.unique(hits, return_counts=True)
        rest = known[probes:]
        # Drop the candidates that could not reach the threshold even sharing every other trigram.
        reachable = 2.0 * (shared + len(rest)) >= MIN_WORD_SIMILARITY * (len(grams) + self._gram_counts[candidates])
        candidates, shared = candidates[reachable], shared[reachable]
        for gram in rest:
            posting = self._postings(gram)
            where = np.minimum(np.searchsorted(posting, candidates), len(posting) - 1)
            shared += posting[where] == candidates
        similarity = 2.0 * shared / (len(grams) + self._gram_counts[candidates])
        keep = similarity >= MIN_WORD_SIMILARITY
        return dict(zip(candidates[keep].tolist(), similarity[keep].tolist(), strict=True))

    def _postings(self, gram: int) -> IntArray:
        """The ids of the words holding a trigram, in increasing order."""
        return self._entries[self._starts[gram] : self._starts[gram + 1]]

    def _by_prefix(self, word: str, keep: int) -> list[tuple[int, float]]:
        """Words starting with `word`: a contiguous run of the sorted vocabulary; shortest first."""
        low = bisect.bisect_left(self._sorted_words, word)
        high = bisect.bisect_left(self._sorted_words, word + "\uffff")
        if low == high:
            return []
        lengths = self._sorted_lengths[low:high]
        pick = np.argsort(lengths, kind="stable")[:keep]
        return [(int(self._sorted_ids[low + i]), 0.75 + 0.2 * len(word) / int(lengths[i])) for i in pick.tolist()]

    def search(self, text: str, kinds: Iterable[str] | None = None, limit: int = 20) -> list[Hit]:
        """Entities ranked by their best-matching name: score, names before aliases, then key.

        A long query word that matches nothing exactly and reads as a Finnish compound of two known
        words ("kaupunkiverkostot": kaupunki + verkostot) is also searched as its head alone and as
        the two words, a little lower; each entity keeps its best reading.
        """
        query = [w for w in tokens(text) if len(w) > 1 or w.isdigit()] or tokens(text)
        if not query or limit < 1:
            return []
        raws = {fold(r): r for r in raw_words(text)}
        wanted = frozenset(kinds) if kinds else None
        readings: list[tuple[list[str], float]] = [(query, 1.0)]
        for position, word in enumerate(query):
            split = self._compound(word, raws.get(word, word)) if len(word) >= COMPOUND_MIN else None
            if split is None:
                continue
            left, right = split
            raws.setdefault(right, raws.get(word, word)[-len(right) :])
            for reading, weight in (([right], COMPOUND_HEAD_WEIGHT), ([left, right], COMPOUND_BOTH_WEIGHT)):
                readings.append((list(dict.fromkeys([*query[:position], *reading, *query[position + 1 :]])), weight))
        # The head of a noun phrase is its last word (of a compound: its last part): "city networks",
        # "kaupunkiverkostot". When it names a kind, that kind's entities come first among equals.
        heads = {reading[-1] for reading, _ in readings}
        hinted = {kind for head in heads if (kind := self._kind_of(head, raws.get(head, head)))}
        best: dict[int, tuple[float, int, int]] = {}
        for words, weight in readings:
            for entity, rank in self._rank(words, raws, wanted, limit, weight, frozenset(hinted)).items():
                if entity not in best or rank < best[entity]:
                    best[entity] = rank
        ranked = heapq.nsmallest(limit, ((rank, entity) for entity, rank in best.items()))
        return [
            Hit(self.entities[entity], round(-score, 4), self._phrase_text[phrase], self._phrase_field[phrase])
            for (score, _, phrase), entity in ranked
        ]

    def _kind_of(self, word: str, raw: str) -> str | None:
        """The node kind a word names, through its variants and stems ("verkostoissa" -> Network)."""
        for form in (word, *variants(word), *stems(raw)):
            kind = self._kind_words.get(form)
            if kind is not None:
                return kind
        return None

    def _compound(self, word: str, raw: str) -> tuple[str, str] | None:
        """(modifier, head) when `word` is two known words joined ("kaupunki" + "verkostot"); the
        longest head first. A word may be known itself and still be a compound."""
        aligned = len(raw) == len(word)
        for cut in range(len(word) - COMPOUND_PART, COMPOUND_PART - 1, -1):  # the longest head first
            left, right = word[:cut], word[cut:]
            if self._known(left, raw[:cut] if aligned else left) and self._known(
                right, raw[cut:] if aligned else right
            ):
                return left, right
        return None

    def _rank(
        self,
        query: list[str],
        raws: Mapping[str, str],
        wanted: frozenset[str] | None,
        limit: int,
        weight: float,
        hinted: frozenset[str] = frozenset(),
    ) -> dict[int, tuple[float, int, int]]:
        """entity -> (-score, names before aliases, phrase) for one reading of the query."""
        keep = max(WORDS_PER_QUERY_WORD, 10 * limit)
        if len(query) > 1:
            keep = max(MULTI_WORDS_PER_QUERY_WORD, 3 * limit)
        matches = [sorted(self.similar_words(w, keep=keep, raw=raws.get(w)).items(), key=_best_first) for w in query]
        scored = self._score_one_word(matches[0], limit, wanted) if len(query) == 1 else self._score_words(matches)
        # entities are numbered in key order
        best: dict[int, tuple[float, int, int]] = {}
        for phrase_id, raw_score in scored:
            entity = self._phrase_entity[phrase_id]
            score = raw_score * weight
            if hinted and self._kinds[entity] in hinted:
                score += KIND_BONUS * (1.0 - score)
            if score < MIN_SCORE or (wanted is not None and self._kinds[entity] not in wanted):
                continue
            candidate = (-score, 0 if self._phrase_field[phrase_id] in NAME_FIELDS else 1, phrase_id)
            current = best.get(entity)
            if current is None or candidate < current:
                best[entity] = candidate
        return best

    def _score_one_word(
        self, matches: list[tuple[int, float]], limit: int, wanted: frozenset[str] | None
    ) -> Iterable[tuple[int, float]]:
        """Phrase scores for a one-word query: similarity times coverage (1 of the phrase's words).

        A phrase scores at most its word's similarity, so words are taken best first and the walk
        stops once `limit` entities are found that no later word can beat.
        """
        seen: set[int] = set()
        floors: list[float] = []  # a lower bound of the score of each of the best `limit` entities seen
        for word_id, similarity in matches:
            if len(floors) == limit and similarity < floors[0]:
                return
            for phrase_id in self._word_phrases[word_id]:
                entity = self._phrase_entity[phrase_id]
                score = similarity * (0.8 + 0.2 / self._phrase_words.size(phrase_id))
                yield phrase_id, score
                if entity in seen or (wanted is not None and self._kinds[entity] not in wanted):
                    continue
                seen.add(entity)
                if len(floors) < limit:
                    heapq.heappush(floors, score)
                elif score > floors[0]:
                    heapq.heapreplace(floors, score)

    def _score_words(self, matches: list[list[tuple[int, float]]]) -> Iterable[tuple[int, float]]:
        """Phrase scores for a query of several words: the best match per query word, combined.

        Candidate phrases come from the selective query words (least frequent first); a very
        common word ("city", "ltd") only adds to the score of phrases already found, so it never
        makes a query walk thousands of phrases.
        """
        fanout = [sum(len(self._word_phrases[word]) for word, _ in found) for found in matches]
        candidates: set[int] = set()
        for position in sorted(range(len(matches)), key=lambda p: (fanout[p], p)):
            if candidates and fanout[position] > COMMON_WORD_PHRASES:
                break
            for word, _ in matches[position]:
                candidates.update(self._word_phrases[word])
        similarity = [dict(found) for found in matches]
        for phrase_id in sorted(candidates):
            words = self._phrase_words[phrase_id]
            slots = {}
            for position, known in enumerate(similarity):
                found = [(known[word], word) for word in words if word in known]
                if found:
                    slots[position] = max(found)
            yield phrase_id, _score(len(words), slots, len(matches))


class _Ragged:
    """Rows of ints of different lengths, stored flat: row i is `flat[bounds[i]:bounds[i + 1]]`."""

    __slots__ = ("_bounds", "_flat")

    def __init__(self, flat: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]):
        self._flat = _ints(flat)
        self._bounds = array("q", [0]) + array("q", np.cumsum(sizes, dtype=np.int64).tobytes())

    def __getitem__(self, row: int) -> array[int]:
        return self._flat[self._bounds[row] : self._bounds[row + 1]]

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def size(self, row: int) -> int:
        return self._bounds[row + 1] - self._bounds[row]


def _ints(values: npt.NDArray[np.int64]) -> array[int]:
    """A compact array of 4-byte ints, read item by item at Python speed (numpy's items are slower)."""
    return array("i", values.astype(np.int32).tobytes())


class _Entities(Sequence[IndexedEntity]):
    """The indexed entities, made on demand from their columns: 10^5 tuples made at each build
    took a tenth of it."""

    __slots__ = ("_columns",)

    def __init__(self, *columns: Sequence[str | None]):
        self._columns = columns

    @overload
    def __getitem__(self, at: int) -> IndexedEntity: ...
    @overload
    def __getitem__(self, at: slice) -> list[IndexedEntity]: ...
    def __getitem__(self, at: int | slice) -> IndexedEntity | list[IndexedEntity]:
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(len(self)))]
        return IndexedEntity(*(cast(str, column[at]) for column in self._columns))

    def __len__(self) -> int:
        return len(self._columns[0])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _texts(column: Sequence[object]) -> list[str]:
    """The column as texts (checked at C speed first: the database's keys and kinds are texts)."""
    if set(map(type, column)) == {str}:
        return cast(list[str], list(column))
    return [str(v) for v in column]


def _texts_or_none(column: Sequence[object]) -> list[str | None]:
    """The column with every value that is not a text, or is empty, as None (checked at C speed
    first: the database's columns hold only texts and None)."""
    if set(map(type, column)) <= {str, type(None)} and "" not in column:
        return cast(list[str | None], list(column))
    return [v if isinstance(v, str) and v else None for v in column]


def _aliases(column: Sequence[object]) -> tuple[Sequence[str], Ints, Ints]:
    """Every alias that is a text and not empty, with its entity and its slot (after the names, in
    list order); the lists are flattened at C speed, since most entities have none."""
    owners = [i for i in itertools.compress(range(len(column)), column) if isinstance(column[i], list)]
    lists = cast(list[list[object]], gather(column, owners))
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = list(itertools.chain.from_iterable(lists))
    owner = np.repeat(np.asarray(owners, dtype=np.int64), counts)
    slot = len(NAME_FIELDS) + np.arange(len(flat), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    if set(map(type, flat)) <= {str} and "" not in flat:
        return cast(list[str], flat), owner, slot
    keep = [i for i, alias in enumerate(flat) if isinstance(alias, str) and alias]
    return cast(Sequence[str], gather(flat, keep)), owner[keep], slot[keep]


def _run_starts(ordered: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Where each run of equal values of a sorted array begins."""
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    return starts


def _best_first(match: tuple[int, float]) -> tuple[float, int]:
    """Higher similarity first; ties by word id, which follows the sorted entity keys (deterministic)."""
    return -match[1], match[0]


def _score(distinct: int, slots: Mapping[int, tuple[float, int]], query_length: int) -> float:
    """Mean similarity over the query's words, times how much of the name they covered."""
    matched = sum(similarity for similarity, _ in slots.values()) / query_length
    covered = len({word for _, word in slots.values()}) / distinct
    return matched * (0.8 + 0.2 * covered)
