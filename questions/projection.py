"""The graph's topology held in memory in compact arrays, refreshed when the database says it moved.

Breadth-first questions (neighbourhood, paths) need only who is linked to whom, by which type and
when; asking the database for that hop by hop costs a round trip and a query per hop. The
projection holds it in numpy arrays (a CSR index of each entity's relations), built from two reads
(each returning one row that holds a list of rows: the driver's cost is per record) and tagged
with the change counter stored in the database (`store.data_version()`), which every write of
every process bumps in its own transaction. Each use reads that counter once (one indexed read);
when it moved, the projection is rebuilt before answering, so no answer is ever stale. Properties
and provenance stay in the database: answers still read them there.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from graph.store import GraphStore, chunks
from questions.collector import long_lived
from questions.columns import distinct, is_in

T = TypeVar("T")

OPEN_START = np.iinfo(np.int64).min
OPEN_END = np.iinfo(np.int64).max


def _days(values: list[Any], open_bound: int) -> npt.NDArray[np.int64]:
    """Dates (as the driver, a snapshot or JSON hands them over) as ordinals; None as `open_bound`."""
    out = np.full(len(values), open_bound, dtype=np.int64)
    for i, value in enumerate(values):
        if value is not None:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
            out[i] = (day.date() if isinstance(day, dt.datetime) else day).toordinal()
    return out


@dataclass(frozen=True)
class Projection:
    """Entities and relations as arrays; `hop` yields exactly the rows `q_neighbours` returns."""

    keys: list[str]
    kinds: list[str]
    names_fi: list[str | None]
    names_en: list[str | None]
    names_sv: list[str | None]
    aliases: list[list[str] | None]  # for the search index (questions.search), which may build from these
    index: dict[str, int]
    starts: npt.NDArray[np.int32]  # per relation, in the stored direction
    ends: npt.NDArray[np.int32]
    types: list[str]
    rel_keys: list[str | None]
    roles: list[str | None]
    bases: list[str | None]
    since: list[Any]
    until: list[Any]
    indptr: npt.NDArray[np.int64]  # CSR: the relations of entity i are rels[indptr[i]:indptr[i + 1]]
    rels: npt.NDArray[np.int32]
    others: npt.NDArray[np.int32]  # aligned with rels: the entity at the relation's other end
    kind_ids: npt.NDArray[np.int16]  # per entity, into kind_names
    kind_names: list[str]
    type_ids: npt.NDArray[np.int16]  # per relation, into type_names
    type_names: list[str]
    since_day: npt.NDArray[np.int64]  # proleptic ordinals; open bounds as the extremes
    until_day: npt.NDArray[np.int64]

    @classmethod
    def build(cls, store: GraphStore) -> Projection:
        """Two reads (the relations in chunks of start keys), each chunk turned into columns at once:
        the rows of 4·10^5 relations as dicts would take about 250 MB for a moment (measured at
        10^5 nodes), and a Python process keeps its peak. Repeated texts (types, roles, bases) are
        stored once and shared."""
        [[rows]] = store.read_values("q_entity_names")
        nodes = sorted(rows, key=itemgetter(0))
        del rows
        keys = [str(row[0]) for row in nodes]
        kinds = [str(row[1]) for row in nodes]
        names_fi, names_en, names_sv = ([row[i] for row in nodes] for i in (2, 3, 4))
        aliases = [row[5] or None for row in nodes]
        del nodes
        index = {key: i for i, key in enumerate(keys)}
        shared: dict[Any, Any] = {}  # one object per distinct type, role, basis and date

        def once(value: Any) -> Any:
            return value if value is None else shared.setdefault(value, value)

        days: dict[Any, Any] = {}  # the driver's dates as datetime.date, each distinct one converted once

        def day(value: Any) -> Any:
            if value is None:
                return None
            if value not in days:
                days[value] = value.to_native() if hasattr(value, "to_native") else value
            return days[value]

        start_ids: list[int] = []
        end_ids: list[int] = []
        types: list[str] = []
        rel_keys: list[str | None] = []
        roles: list[str | None] = []
        bases: list[str | None] = []
        since: list[Any] = []
        until: list[Any] = []
        for start_keys in chunks(keys):
            # Plain value lists (start, end, type, key, role, basis, since, until) in one row: only
            # the dates need converting.
            [[rows]] = store.read_values("q_projection_relations", {"keys": list(start_keys)})
            for start, end_key, rel_type, rel_key, role, basis, first, last in rows:
                end = index.get(end_key)
                if end is None:  # an end created after the nodes were read: the counter moved, the next use rebuilds
                    continue
                start_ids.append(index[start])
                end_ids.append(end)
                types.append(once(str(rel_type)))
                rel_keys.append(rel_key)
                roles.append(once(role))
                bases.append(once(basis))
                since.append(day(first))
                until.append(day(last))
        count = len(types)
        starts = np.asarray(start_ids, dtype=np.int32)
        ends = np.asarray(end_ids, dtype=np.int32)
        del start_ids, end_ids
        # Each relation is listed under both its ends (no self-relations: the model refuses them).
        owner = np.concatenate([starts, ends])
        order = np.argsort(owner, kind="stable")
        rels = (order % max(count, 1)).astype(np.int32)
        others = np.concatenate([ends, starts])[order]  # a walk's next entities, without gathering both ends
        indptr = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(keys)), out=indptr[1:])
        kind_names = sorted(set(kinds))
        type_names = sorted(set(types))
        kind_of, type_of = {k: i for i, k in enumerate(kind_names)}, {t: i for i, t in enumerate(type_names)}
        return cls(
            keys=keys,
            kinds=kinds,
            names_fi=names_fi,
            names_en=names_en,
            names_sv=names_sv,
            aliases=aliases,
            index=index,
            starts=starts,
            ends=ends,
            types=types,
            rel_keys=rel_keys,
            roles=roles,
            bases=bases,
            since=since,
            until=until,
            indptr=indptr,
            rels=rels,
            others=others,
            kind_ids=np.fromiter((kind_of[k] for k in kinds), dtype=np.int16, count=len(kinds)),
            kind_names=kind_names,
            type_ids=np.fromiter((type_of[t] for t in types), dtype=np.int16, count=count),
            type_names=type_names,
            since_day=_days(since, OPEN_START),
            until_day=_days(until, OPEN_END),
        )

    def holding(self, as_of: dt.date | None) -> npt.NDArray[np.bool_]:
        """Per relation: whether it holds on `as_of`, as `graph.store.relation_holds` decides."""
        if as_of is None:
            return np.ones(len(self.types), dtype=bool)
        day = as_of.toordinal()
        return np.asarray((self.since_day <= day) & (self.until_day >= day), dtype=bool)

    def held(self, rels: npt.NDArray[np.int64], as_of: dt.date | None) -> npt.NDArray[np.int64]:
        """The relations among `rels` that hold on `as_of` (in their order)."""
        if as_of is None:
            return rels
        day = as_of.toordinal()
        return rels[(self.since_day[rels] <= day) & (self.until_day[rels] >= day)]

    def key_rank(self, rels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Per relation of `rels`: the rank of its key (no key: "") among theirs, as texts sort."""
        texts = [self.rel_keys[r] or "" for r in rels.tolist()]
        rank = {text: i for i, text in enumerate(sorted(set(texts)))}
        return np.fromiter((rank[t] for t in texts), dtype=np.int64, count=len(texts))

    def of_type(self, rel_type: str) -> npt.NDArray[np.int64]:
        """The relations of one type, ordered as `questions.reads.relations_of_type` orders them:
        by start key, end key, relation key (keys are indexed in sorted order)."""
        rels = (
            np.flatnonzero(np.asarray(self.type_ids) == self.type_names.index(rel_type))
            if rel_type in self.type_names
            else np.zeros(0, dtype=np.int64)
        )
        order = np.lexsort((self.key_rank(rels), self.ends[rels], self.starts[rels]))
        return np.asarray(rels[order], dtype=np.int64)

    def entity(self, i: int) -> dict[str, Any]:
        """Entity `i` as `EntityRef` data: its fields, in the model's order."""
        return {"key": self.keys[i], "kind": self.kinds[i], "name_fi": self.names_fi[i],
                "name_en": self.names_en[i], "name_sv": self.names_sv[i]}  # fmt: skip

    def usable(self, avoid_types: Collection[str], as_of: dt.date | None) -> npt.NDArray[np.bool_]:
        """Per relation: whether a walk may follow it (it holds on `as_of`, its type is not avoided)."""
        ok = self.holding(as_of)
        if avoid_types:
            ok &= ~is_in(
                self.type_ids, [i for i, t in enumerate(self.type_names) if t in avoid_types], len(self.type_names)
            )
        return ok

    def allowed(self, avoid_kinds: Collection[str]) -> npt.NDArray[np.bool_]:
        """Per entity: whether a walk may reach it (its kind is not avoided)."""
        return ~is_in(
            self.kind_ids, [i for i, k in enumerate(self.kind_names) if k in avoid_kinds], len(self.kind_names)
        )

    def incident(self, frontier: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Every relation of the entities in `frontier` (either direction), and the entity at its other end."""
        first = self.indptr[frontier]
        counts = self.indptr[frontier + 1] - first
        positions = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return self.rels[positions], self.others[positions]

    def expand(
        self,
        seeds: Iterable[str],
        depth: int,
        *,
        avoid_kinds: Collection[str] = (),
        avoid_types: Collection[str] = (),
        keep: Collection[str] | None = None,
        as_of: dt.date | None = None,
        node_cap: int | None = None,
    ) -> tuple[dict[str, int], bool, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """`questions.expand.expand` on the arrays: the same ball (depth by key) and truncation,
        and the entities reached (indices) by depth, then key, with their depths.

        Keys sort as their indices do (the key list is sorted), so "the nearest in key order" is
        the lowest indices among those reached. Masks over every entity or relation are made only
        for the filters asked for (each costs a pass over 10^5 entities or 4·10^5 relations)."""
        depth_of = {key: 0 for key in seeds}
        level_of = np.full(len(self.keys), -1, dtype=np.int32)
        frontier = np.asarray(sorted(self.index[k] for k in depth_of if k in self.index), dtype=np.int64)
        level_of[frontier] = 0
        placed = [frontier]
        rel_ok = self.usable(avoid_types, as_of) if avoid_types or as_of is not None else None
        node_ok = self.allowed(avoid_kinds) if avoid_kinds else None
        if keep is not None:
            kept = np.zeros(len(self.keys), dtype=bool)
            kept[[self.index[k] for k in keep if k in self.index]] = True
            node_ok = kept if node_ok is None else node_ok & kept
        truncated = False
        for level in range(1, depth + 1):
            if not len(frontier):
                break
            rels, others = self.incident(frontier)
            mask = level_of[others] < 0
            if rel_ok is not None:
                mask &= rel_ok[rels]
            if node_ok is not None:
                mask &= node_ok[others]
            reached = distinct(others[mask])
            if node_cap is not None and len(depth_of) + len(reached) > node_cap:
                reached = reached[: max(node_cap - len(depth_of), 0)]
                truncated = True
            level_of[reached] = level
            for i in reached.tolist():
                depth_of[self.keys[i]] = level
            frontier = reached.astype(np.int64)
            placed.append(frontier)
            if truncated:
                break
        every = np.concatenate(placed)
        return depth_of, truncated, (every, level_of[every].astype(np.int64))

    def hop(self, keys: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The relations of `keys` in both directions, as `q_neighbours` rows."""
        for key in set(keys):
            i = self.index.get(key)
            if i is None:
                continue
            for r in self.rels[self.indptr[i] : self.indptr[i + 1]].tolist():
                s, e = int(self.starts[r]), int(self.ends[r])
                other = e if s == i else s
                yield {
                    "start": self.keys[s],
                    "end": self.keys[e],
                    "type": self.types[r],
                    "other": self.keys[other],
                    "other_kind": self.kinds[other],
                    "since": self.since[r],
                    "until": self.until[r],
                }


DERIVED_MAX = 64  # derived values kept per store (per question and parameters), least recently used out


@dataclass
class _Slot:
    lock: threading.Lock
    version: tuple[int, str] | None = None
    projection: Projection | None = None
    derived: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    building: threading.RLock = field(default_factory=threading.RLock)  # one derived build at a time


_SLOTS: weakref.WeakKeyDictionary[GraphStore, _Slot] = weakref.WeakKeyDictionary()
_SLOTS_LOCK = threading.Lock()
_MISSING = object()


class View:
    """The projection as of one read of the change counter, and the values derived from it.

    `get` keeps a derived value (a theme tree, an index of theme links, centrality scores) with the
    projection until the counter moves, so a question asks the database for the counter once and
    rebuilds only what moved. A value built while the database moves is keyed on the counter read
    before it was built, so the next question sees the move and rebuilds it."""

    def __init__(self, slot: _Slot, version: tuple[int, str], found: Projection):
        self._slot, self.version, self.projection = slot, version, found

    def get(self, key: Hashable, build: Callable[[Projection], T]) -> T:
        """The value named `key` (with its parameters), built from the projection on first use."""
        slot = self._slot
        found = self._cached(key)
        if found is not _MISSING:
            return cast(T, found)
        with slot.building:  # outside the projection's lock; a second asker waits for the first build
            found = self._cached(key)
            if found is not _MISSING:
                return cast(T, found)
            value = build(self.projection)
            with slot.lock:
                if slot.version == self.version:
                    slot.derived[key] = value
                    while len(slot.derived) > DERIVED_MAX:
                        slot.derived.popitem(last=False)
            return value

    def _cached(self, key: Hashable) -> Any:
        slot = self._slot
        with slot.lock:
            if slot.version == self.version and key in slot.derived:
                slot.derived.move_to_end(key)
                return slot.derived[key]
        return _MISSING


# The view a request was answered from, pinned for the rest of it (`pinned`): one version a request.
_PINNED: contextvars.ContextVar[View | None] = contextvars.ContextVar("pinned_view", default=None)


@contextlib.contextmanager
def pinned(at: View) -> Iterator[View]:
    """Within this block, `view(store)` of the view's store is `at`: the API brings the view up to
    date off its event loop (a counter read, a rebuild if it moved), then answers on the loop from
    it, with no read or rebuild there."""
    token = _PINNED.set(at)
    try:
        yield at
    finally:
        _PINNED.reset(token)


def view(store: GraphStore) -> View:
    """The store's projection as of now (rebuilt first if the database's change counter moved),
    with its derived values."""
    with _SLOTS_LOCK:
        slot = _SLOTS.get(store)
        if slot is None:
            slot = _SLOTS[store] = _Slot(threading.Lock())
    at = _PINNED.get()
    if at is not None and at._slot is slot:
        return at
    version = store.data_version()  # read before building: a write during the build makes it stale
    with slot.lock:
        if slot.projection is None or slot.version != version:
            with long_lived():
                slot.projection, slot.version = Projection.build(store), version
            slot.derived.clear()
        return View(slot, version, slot.projection)


def held(store: GraphStore, version: tuple[int, str]) -> Projection | None:
    """The store's projection if this process holds it as of exactly `version` (the change counter
    as just read); no read, no build."""
    at = held_view(store)
    return at.projection if at is not None and at.version == version else None


def held_view(store: GraphStore) -> View | None:
    """The view this process holds, as of the counter it last read; no read, no build. For a
    caller that has read the counter itself and compares (`held`; `neighbourhood_read`, in the
    statement of its own read)."""
    with _SLOTS_LOCK:
        slot = _SLOTS.get(store)
    if slot is None:
        return None
    with slot.lock:
        if slot.projection is None or slot.version is None:
            return None
        return View(slot, slot.version, slot.projection)


def projection(store: GraphStore) -> Projection:
    """The store's projection as of now: rebuilt first if the database's change counter moved."""
    return view(store).projection
