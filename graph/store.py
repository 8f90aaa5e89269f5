"""The `GraphStore` port: the one narrow interface loaders, questions, the API and maps depend on.

Like httpx's transports it is small on purpose: named reads, one all-or-nothing batch write, a
delete, and a networkx snapshot. The Bolt adapter (graph/bolt.py) implements it for the embedded
ArcadeDB and for Neo4j alike; nothing outside graph/ knows which one it talks to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

import networkx as nx

from graph.model import Batch
from graph.schema import Schema

RelationRef = tuple[str, str, str]  # (start key, end key, relation key)
Progress = Callable[[int], None]  # called with the number of records just written


T = TypeVar("T")
# Keys or rows per statement (one UNWIND): parameter lists and result sets stay bounded.
BATCH = 5_000


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`: one statement each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class NotFound(LookupError):
    """A key the caller named does not exist; the API answers 404 with this message."""


class AlreadyExists(ValueError):
    """A create for a key (entity or relation) that exists; the API answers 409 with this message."""


class StoreError(RuntimeError):
    """A database failure, worded for users: no Cypher text, no driver internals."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or did not start."""


class StoreInDoubt(StoreUnavailable):
    """The database went away while committing: the write may or may not have been saved."""


class PreconditionFailed(StoreError):
    """A write's expected version (If-Match) is not the stored one: someone wrote in between."""

    def __init__(self, key: str):
        super().__init__(f"{key!r} changed since it was read; read it again and redo the change")
        self.key = key


def version_of(props: Mapping[str, Any]) -> str:
    """A stored record's version: a digest of its stored properties (an ETag's value). Derived
    fields are left out, so that only what a user can see and change moves it."""
    visible = {k: v for k, v in props.items() if k not in ("search_text", "partnergraph_lock")}
    text = json.dumps(visible, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class DuplicateWrite(StoreError):
    """A write with this receipt id was already committed: a retry, which writes nothing again."""

    def __init__(self, receipt_id: str):
        super().__init__(f"the write {receipt_id!r} was already saved")
        self.receipt_id = receipt_id


@dataclass(frozen=True)
class Receipt:
    """The commit marker a write leaves in its own transaction, so that its audit entry and its
    retries can tell afterwards whether it was saved."""

    id: str
    at: str  # ISO time, UTC


class KindConflict(StoreError):
    """A write would change the kind of an existing node: refused, the batch leaves nothing."""


class QueryTimeout(StoreError):
    """The database stopped a query at its time limit."""


class WriteConflict(StoreError):
    """A write collided with a concurrent one and still failed after retries."""


@dataclass(frozen=True)
class StoreInfo:
    backend: str  # "arcadedb" or "neo4j"
    agent: str
    uri: str
    database: str | None


@dataclass
class WriteSummary:
    """What a write did, per kind and per relation type; `unchanged` makes re-loads visible."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    # Small writes (an API call): each record's version as committed, read in the write's transaction.
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values()))

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "deleted": dict(self.deleted),
        }


@dataclass(frozen=True)
class Counts:
    nodes: dict[str, int]
    relations: dict[str, int]

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_relations(self) -> int:
        return sum(self.relations.values())


def relation_holds(props: Mapping[str, Any], as_of: dt.date | None) -> bool:
    """Whether a relation with these since/until properties holds on `as_of` (None: always).
    Both bounds are inclusive; a missing bound is open."""
    if as_of is None:
        return True
    since, until = _as_date(props.get("since")), _as_date(props.get("until"))
    return (since is None or since <= as_of) and (until is None or until >= as_of)


def _as_date(value: Any) -> dt.date | None:
    """Dates as a driver, a snapshot or JSON may hand them over (date, datetime, ISO text)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class ReadOnlyResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


def native(value: Any) -> Any:
    """Driver values (as `read_values` hands them over) to plain Python: temporal types to
    datetime, containers recursively."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [native(v) for v in value]
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    return value


@runtime_checkable
class ReadOnlyConsole(Protocol):
    """The admin's Cypher console: a port of its own, narrower than the store's, since it runs a
    user's text (checked by graph.readonly) rather than a named statement."""

    def run_readonly(
        self, query: str, params: Mapping[str, Any] | None = None, *, timeout_s: float = 10.0, max_rows: int = 1_000
    ) -> ReadOnlyResult:
        """A user's own Cypher, refused (graph.readonly.ReadOnlyRefused) unless it only reads."""


def console_of(store: object) -> ReadOnlyConsole:
    """The console a store offers (the Bolt adapter does); TypeError for a store that offers none."""
    if not isinstance(store, ReadOnlyConsole):
        raise TypeError(f"{type(store).__name__} offers no read-only console")
    return store


@runtime_checkable
class GraphStore(Protocol):
    """What every store offers. Statement names refer to files in cypher/."""

    schema: Schema
    generation: int  # bumped by every successful write through this store: caches key on it

    def info(self) -> StoreInfo: ...

    def read_values(self, statement: str, params: Mapping[str, Any] | None = None) -> list[list[Any]]:
        """A named read's rows as lists in the statement's column order, values as the driver gives them (no
        conversion): for bulk reads whose caller converts columns itself (the projection)."""

    def data_version(self) -> tuple[int, str]:
        """The change counter stored in the database, bumped in the transaction of every write by
        any process: one cheap indexed read tells whether anything cached from the graph is stale."""

    def ensure_schema(self) -> None:
        """Create constraints and indexes (idempotent)."""

    def read(
        self,
        statement: str,
        params: Mapping[str, Any] | None = None,
        *,
        kind: str | None = None,
        rel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Run a named read statement; values come back as plain Python (dates as datetime.date)."""

    def kinds_of(self, keys: Iterable[str]) -> dict[str, str]:
        """The kind of each stored node among `keys` (absent keys are left out)."""

    def apply(
        self,
        batch: Batch,
        *,
        batch_size: int = 5_000,
        progress: Progress | None = None,
        receipt: Receipt | None = None,
        expect: Mapping[str, str] | None = None,
    ) -> WriteSummary:
        """Upsert nodes and relations (and add provenance) in one transaction: everything or nothing.
        With a receipt, the transaction also records it, and raises DuplicateWrite if it exists.
        `expect` maps node or relation keys to the version the write is based on: if one is not the
        stored version when the transaction holds its lock, PreconditionFailed and nothing is written."""

    def delete(
        self,
        node_keys: Iterable[str] = (),
        relations: Iterable[RelationRef] = (),
        *,
        receipt: Receipt | None = None,
        expect: Mapping[str, str] | None = None,
    ) -> WriteSummary:
        """Delete nodes (with their relations and contact cards) and relations, in one transaction."""

    def versions(self, node_keys: Iterable[str]) -> dict[str, str]:
        """The stored version (`version_of`) of each of these nodes that exists."""

    def committed(self, receipt_ids: Iterable[str]) -> set[str]:
        """Which of these receipts were committed."""

    def snapshot(self, keys: Iterable[str] | None = None, as_of: dt.date | None = None) -> nx.MultiDiGraph[str]:
        """The subgraph over `keys` (all entities when None) as networkx; never any contact data."""

    def snapshot_as_read(
        self, keys: Iterable[str], as_of: dt.date | None = None
    ) -> tuple[tuple[int, str] | None, nx.MultiDiGraph[str]]:
        """`snapshot(keys)` and the change counter (`data_version`) read after it in the same
        statement; None instead of the counter while a load holds its lease."""

    def counts(self) -> Counts: ...

    def clear(self) -> None:
        """Remove every node and relation (schema objects stay)."""

    def close(self) -> None: ...
