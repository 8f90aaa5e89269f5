"""Question 1, search: names and aliases in Finnish, Swedish and English, forgiving of typos,
diacritics, inflection, plurals and compounds ("Tallinnan", "tallina", "Helsingfors",
"kaupunkiverkostot", "city networks"); the kind a query's head word names comes first.

The index (questions.search_index) is built from every entity's names and kept per store: the
names the in-memory projection already holds when it is current (questions.projection, built
by the graph questions), else one read of every name. It is rebuilt when its generation
changes: a version that `invalidate()` bumps (the API calls it after every write) and the change
counter stored in the database (`store.data_version()`, one indexed read), which every write of
every process bumps in its own transaction, so a rename by a `partnergraph load` in another
process is seen by the very next search here. As a last safety net
an index older than MAX_AGE is rebuilt too; only that refresh of an unchanged graph, when the last
build was slow, runs in the background while the previous index keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter

from pydantic import BaseModel

from graph.schema import Schema
from graph.store import GraphStore
from questions.common import EntityRef, QuestionError, check_kinds
from questions.projection import Projection, held
from questions.search_index import NameColumns, SearchIndex
from questions.text import raw_words, stems, tokens

log = logging.getLogger(__name__)
MAX_AGE = 600.0  # seconds before an index is rebuilt even when nothing signalled a change
BACKGROUND_AFTER = 1.0  # seconds: a rebuild slower than this runs in the background next time
MAX_LIMIT = 100


class SearchHit(BaseModel):
    entity: EntityRef
    score: float  # 0..1, 1 = a name or alias matched exactly
    matched: str  # the name, alias or key that matched best
    field: str  # name_fi, name_en, alias or key


class SearchResponse(BaseModel):
    query: str
    kinds: list[str]
    results: list[SearchHit]


@dataclass
class _Slot:
    """The index of one store and what it was built from."""

    lock: threading.Lock = field(default_factory=threading.Lock)  # guards the fields below
    building: threading.Lock = field(default_factory=threading.Lock)  # one build at a time
    version: int = 0
    index: SearchIndex | None = None
    generation: tuple[int, int, int, str] | None = None
    built_at: float = 0.0
    build_seconds: float = 0.0
    rebuilding: bool = False


_SLOTS: weakref.WeakKeyDictionary[GraphStore, _Slot] = weakref.WeakKeyDictionary()
_SLOTS_LOCK = threading.Lock()


def _slot(store: GraphStore) -> _Slot:
    with _SLOTS_LOCK:
        slot = _SLOTS.get(store)
        if slot is None:
            slot = _SLOTS[store] = _Slot()
        return slot


@cache
def kind_words(schema: Schema) -> dict[str, str]:
    """Folded words naming each node kind, from the schema: the kind itself and its sheet names in
    Finnish, Swedish and English ("Verkostot", "Nätverk", "Networks"), with their stems."""
    out: dict[str, str] = {}
    for kind in schema.node_kinds:
        for name in (kind, *schema.spreadsheet.sheets.get(kind, ())):
            words = tokens(name)
            if len(words) != 1:
                continue
            for form in (words[0], *(s for raw in raw_words(name) for s in stems(raw))):
                out.setdefault(form, kind)
    return out


INDEX_COLUMNS = ("key", "kind", "name_fi", "name_en", "name_sv", "aliases")  # q_entity_names' columns, in order


def read_names(store: GraphStore) -> NameColumns:
    """Every entity's key, kind, names and aliases, in one read (one row holding plain value
    lists), as columns in key order."""
    [[rows]] = store.read_values("q_entity_names")
    ordered = sorted(rows, key=itemgetter(0))
    if not ordered:
        return NameColumns([], [], [], [], [], [])
    return NameColumns(*(list(column) for column in zip(*ordered, strict=True)))


def name_columns(held_now: Projection) -> NameColumns:
    """The names the projection already holds (in key order): an index built from them needs no read."""
    p = held_now
    return NameColumns(p.keys, p.kinds, p.names_fi, p.names_en, p.names_sv, p.aliases)


def invalidate(store: GraphStore) -> None:
    """Tell search that the store's names may have changed; the next search sees the change.

    Its signature is the API's after-write hook: `Callable[[GraphStore], None]`.
    """
    slot = _slot(store)
    with slot.lock:
        slot.version += 1


def _build(store: GraphStore, slot: _Slot, generation: tuple[int, int, int, str]) -> SearchIndex:
    """Build under the slot's build lock; reuse what a concurrent build just made for this generation."""
    with slot.building:
        with slot.lock:
            if slot.index is not None and slot.generation == generation:
                return slot.index
        started = time.monotonic()
        held_now = held(store, (generation[2], generation[3]))
        names = name_columns(held_now) if held_now is not None else read_names(store)
        index = SearchIndex.from_columns(names, kind_words(store.schema))
        with slot.lock:
            if slot.version == generation[0]:  # a write during the build makes it stale at once
                slot.index, slot.generation = index, generation
                slot.built_at, slot.build_seconds = time.monotonic(), time.monotonic() - started
        return index


def _rebuild_in_background(store: GraphStore, slot: _Slot, generation: tuple[int, int, int, str]) -> None:
    def work() -> None:
        try:
            _build(store, slot, generation)
        except Exception:  # a failed refresh must not kill the process; the old index keeps answering
            log.exception("search index rebuild failed")
        finally:
            with slot.lock:
                slot.rebuilding = False

    slot.rebuilding = True
    threading.Thread(target=work, name="search-index", daemon=True).start()


def index_for(store: GraphStore, *, version: tuple[int, str] | None = None) -> SearchIndex:
    """The store's current search index, built or refreshed as needed. `version`: the change
    counter as the caller has just read it (`store.data_version()`), so it is not read twice."""
    slot = _slot(store)
    # The change counter in the database catches every committed write of every process.
    generation = (slot.version, store.generation, *(store.data_version() if version is None else version))
    with slot.lock:
        if slot.index is not None:
            same = slot.generation == generation
            if same and time.monotonic() - slot.built_at < MAX_AGE:
                return slot.index
            # Only an age refresh of an unchanged graph may answer from the old index meanwhile.
            if same and (slot.rebuilding or slot.build_seconds > BACKGROUND_AFTER):
                if not slot.rebuilding:
                    _rebuild_in_background(store, slot, generation)
                return slot.index
    return _build(store, slot, generation)


def search(store: GraphStore, text: str, kinds: Iterable[str] | None = None, limit: int = 20) -> SearchResponse:
    """Entities whose names or aliases match `text`, best first (ties: names before aliases, key)."""
    wanted = check_kinds(store.schema, kinds)
    if not 1 <= limit <= MAX_LIMIT:
        raise QuestionError(f"limit must be between 1 and {MAX_LIMIT}")
    text = text.strip()
    hits = index_for(store).search(text, wanted or None, limit) if text else []
    return SearchResponse(
        query=text,
        kinds=sorted(wanted),
        results=[
            SearchHit(
                entity=EntityRef(
                    key=h.entity.key, kind=h.entity.kind, name_fi=h.entity.name_fi, name_en=h.entity.name_en
                ),
                score=h.score,
                matched=h.matched,
                field=h.field,
            )
            for h in hits
        ],
    )
