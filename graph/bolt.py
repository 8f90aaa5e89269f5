"""The Bolt adapter of `GraphStore`: the official neo4j driver against Neo4j 5 or the embedded ArcadeDB.

Both servers get the same Cypher. The few places where they differ are kept here and named:
`backend` tells them apart by the server agent, and concurrent MERGE conflicts (which ArcadeDB
reports as constraint violations the driver does not retry) are retried in `_write`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import neo4j
import networkx as nx
from neo4j import exceptions as neo4j_errors

from graph import staged
from graph.coalesce import FreshRead
from graph.cypher import REGISTRY, CypherRegistry
from graph.model import Batch, NodeRecord, RelationRecord, Source, source_dicts
from graph.readonly import ReadOnlyRefused, check_readonly
from graph.schema import Schema, load_schema
from graph.staged import Lease, LoadInProgress, Undo
from graph.store import (
    BATCH,
    Counts,
    DuplicateWrite,
    KindConflict,
    PreconditionFailed,
    Progress,
    QueryTimeout,
    ReadOnlyResult,
    Receipt,
    RelationRef,
    StoreError,
    StoreInDoubt,
    StoreInfo,
    StoreUnavailable,
    WriteConflict,
    WriteSummary,
    chunks,
    native,
    relation_holds,
    version_of,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_BATCH = BATCH
WRITE_ATTEMPTS = 6
READ_ATTEMPTS = 3
VERSIONED_MAX = 10  # writes this small report their records' versions (the API's ETags)
# Fail fast when the database is gone: the driver's own defaults retry for 30 s (sleeping 1, 2, 4 s…)
# and wait up to 60 s for a pooled connection, which is what made outages hang for 30–70 s. Its
# retries are off; ours retry a lost connection once at once (a pooled connection that died with
# a restarted server), and transient write conflicts with backoff (`_write`).
CONNECT_TIMEOUT_S = 1.0
RETRY_TIME_S = 0.0
QUICK_FAILURE_S = 0.3  # a dead pooled connection fails at once; only then is one more try worth it
LOST = (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired)


def jsonable(value: Any) -> Any:
    """Any driver value as JSON-friendly Python: graph objects as maps, temporals as ISO text."""
    if isinstance(value, neo4j.graph.Node):
        return {"labels": sorted(value.labels), "properties": jsonable(dict(value))}
    if isinstance(value, neo4j.graph.Relationship):
        return {"type": value.type, "properties": jsonable(dict(value))}
    if isinstance(value, neo4j.graph.Path):
        return {
            "nodes": [jsonable(n) for n in value.nodes],
            "relationships": [jsonable(r) for r in value.relationships],
        }
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def _driver_options(connection_timeout: float) -> dict[str, Any]:
    return {
        # Neo4j's run-time warnings (property keys absent from the data: the counter's load lease
        # before any staged load) came with every counter read, 0.1-0.4 ms of the driver's CPU; the
        # statements themselves are checked by Neo4j's linter in `make test`.
        "notifications_min_severity": "OFF",
        "connection_timeout": connection_timeout,
        "connection_acquisition_timeout": connection_timeout + 0.5,
        "max_transaction_retry_time": RETRY_TIME_S,
        "max_connection_pool_size": 32,
    }


def _console_error(exc: neo4j_errors.Neo4jError) -> Exception:
    """A console query's failure in the user's terms: refused, timed out, or failed."""
    code = exc.code or ""
    if code.startswith("Neo.ClientError.Transaction.TransactionTimedOut"):
        return QueryTimeout("the query ran past the console's time limit and was stopped by the database")
    if isinstance(exc, neo4j_errors.Forbidden) or code == "Neo.ClientError.Statement.AccessMode":
        return ReadOnlyRefused("the database refused this query for a read-only user")
    if isinstance(exc, neo4j_errors.ClientError):
        return ReadOnlyRefused(f"the database rejected the query ({code})")
    if code.startswith("Neo.DatabaseError."):
        # The user's own query failed inside the server (ArcadeDB reports unknown procedures so): a 4xx.
        return ReadOnlyRefused(f"the database could not run this query ({code})")
    return StoreError(f"the query failed ({code})")


@dataclass(frozen=True)
class _Writing:
    """What the record writers of one write transaction share. `empty`: the graph held no entity
    when the write began, so no key can exist and the existence checks are skipped."""

    tx: neo4j.ManagedTransaction
    size: int  # rows a statement
    summary: WriteSummary
    expected: Mapping[str, str]  # versions the write is conditional on (If-Match)
    empty: bool = False
    undo: Undo | None = None  # a staged load's chunk records how to undo itself


def _decode_sources(props: dict[str, Any]) -> dict[str, Any]:
    props = dict(props)
    props["sources"] = source_dicts(props.get("sources"))  # no validation per node: snapshots can be the whole graph
    return props


def _check_versions(stored: Mapping[str, Mapping[str, Any]], expected: Mapping[str, str]) -> None:
    for key, version in expected.items():
        if key not in stored or (version != "*" and version_of(stored[key]) != version):
            raise PreconditionFailed(key)


class _Leased(Exception):
    """A write met a staged load's lease in its own transaction (and rolled back)."""

    def __init__(self, lease: Lease):
        super().__init__(lease.load)
        self.lease = lease


def _back_off_or_raise(exc: neo4j_errors.Neo4jError, attempt: int) -> None:
    """A write collided (or ran out of transaction memory): wait before the next attempt, or say why not."""
    if (exc.code or "").endswith("MemoryPoolOutOfMemoryError"):
        # Transient by its code, but the same transaction would need the same memory again.
        raise StoreError(
            f"the write is too large for the graph database's transaction memory ({exc.code}): {exc.message}"
        ) from exc
    if attempt == WRITE_ATTEMPTS:
        raise WriteConflict(
            "the write collided with a concurrent write of the same records (or a key reused "
            "with another kind), and still did after retries; nothing was written"
        ) from exc
    # Jittered: writers that collided once must not retry in step and collide again.
    time.sleep(random.uniform(0.5, 1.5) * 0.05 * 2**attempt)


Rows = list[dict[str, Any]]


def _sort_nodes(
    nodes: list[NodeRecord], stored: Mapping[str, Mapping[str, Any]], summary: WriteSummary, undo: Undo | None
) -> tuple[dict[str, Rows], Rows, Rows, Rows]:
    """Each node as created (rows per kind), updated or unchanged, counted in `summary`; and the
    contact cards of persons that existed (MERGE) and of persons created here (CREATE)."""
    to_create: dict[str, Rows] = {}
    to_update: Rows = []
    contacts: Rows = []
    new_contacts: Rows = []
    for node in nodes:
        props = node.stored_properties()
        old = stored.get(node.key)
        row = {"key": node.key, "props": props, "sources": props.pop("sources", [])}
        if old is not None and old.get("kind") != node.kind:
            # Raised inside the transaction function: the whole batch rolls back.
            raise KindConflict(f"key {node.key!r} already exists as a {old.get('kind')}, not a {node.kind}")
        if old is None:
            summary.created[node.kind] += 1
            to_create.setdefault(node.kind, []).append(row)
            if undo is not None:
                undo.created_node(node.key)
        elif _same(old, {**props, "sources": row["sources"]}):
            summary.unchanged[node.kind] += 1
        else:
            summary.updated[node.kind] += 1
            to_update.append(row)
            if undo is not None:
                undo.image("node", old, key=node.key)
        if node.personal:
            card = {"key": node.key, "props": {"key": node.key, **node.personal}}
            (new_contacts if old is None else contacts).append(card)
    return to_create, to_update, contacts, new_contacts


def _add(summary: WriteSummary, part: WriteSummary) -> None:
    for name in ("created", "updated", "unchanged", "deleted"):
        getattr(summary, name).update(getattr(part, name))


def _close_quietly(session: neo4j.Session) -> None:
    try:
        session.close()
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError):
        log.debug("a read session did not close cleanly", exc_info=True)


def _same(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """True when writing `wanted` would not change `stored` (sources only ever accumulate)."""
    for name, value in wanted.items():
        if name == "sources":
            if not set(value) <= set(stored.get("sources", [])):
                return False
        elif stored.get(name) != value:
            return False
    return True


IDLE_READ_SESSIONS = 64  # read sessions kept open for reuse; more are closed after their read


class BoltStore:
    """`GraphStore` over one neo4j driver. Thread-safe as the driver is; a write has a session of its
    own, reads reuse idle read sessions (one thread at a time each)."""

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None,
        database: str | None = None,
        *,
        schema: Schema | None = None,
        registry: CypherRegistry = REGISTRY,
        connection_timeout: float = CONNECT_TIMEOUT_S,
        readonly_auth: tuple[str, str] | None = None,
        down: Callable[[], bool] | None = None,
    ):
        self.schema = schema or load_schema()
        self.uri = uri
        self.database = database
        self.registry = registry
        self._readonly_auth = readonly_auth
        # A managed server's supervisor knows when it is restarting: answer at once rather than
        # wait on a Bolt port that opens before its database does.
        self._down = down or (lambda: False)
        self.generation = 0
        # Batches of at least this many records commit in chunks (graph/staged.py), STAGE_ROWS each.
        self.staged_min = staged.STAGED_MIN
        self.stage_rows = staged.STAGE_ROWS
        self._readonly_driver: neo4j.Driver | None = None
        # Reused, not opened per read: an auto-commit read gives its connection back to the pool
        # when its result is consumed, so an idle session holds nothing but a little state.
        self._idle_reads: deque[neo4j.Session] = deque()
        self._version_read = FreshRead(self._read_data_version)  # one read for the threads asking at once
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=auth, **_driver_options(connection_timeout))
            agent = self._driver.get_server_info().agent
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.AuthError, OSError, ValueError) as exc:
            raise StoreUnavailable(f"cannot reach the graph database at {uri}: {exc}") from exc
        self._info = StoreInfo(
            backend="arcadedb" if "ArcadeDB" in agent else "neo4j", agent=agent, uri=uri, database=database
        )

    # -- plumbing -----------------------------------------------------------------------------

    def info(self) -> StoreInfo:
        return self._info

    def _session(self, mode: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
        if self._down():
            raise StoreUnavailable("the graph database is restarting")
        return self._driver.session(database=self.database, default_access_mode=mode)

    def _cypher(self, name: str, kind: str | None = None, rel: str | None = None) -> str:
        return self.registry.get(name, self.schema, kind=kind, rel=rel)

    def _write(self, work: Callable[[neo4j.ManagedTransaction], T], *, bump: bool = True, load: str | None = None) -> T:
        """One write transaction, retried when it collided with a concurrent one.

        ArcadeDB reports a concurrent MERGE of one key as a constraint violation, which the driver
        does not retry; transient errors (deadlocks, concurrent modification) are retried here too,
        so that the driver's own retry can stay short and an outage is reported at once. Every
        write also bumps the change counter stored in the database, in the same transaction, so
        every process sees that the graph moved exactly when the write commits; only the chunks of
        a staged load (`bump=False`) do not: its counter moves once, at its commit point. A write
        that meets another load's lease rolls back (`LoadInProgress`), or, when that load was
        abandoned, rolls it back first and tries again."""
        bump_query = self._cypher("meta_generation_bump")
        started = time.monotonic()

        def counted(tx: neo4j.ManagedTransaction) -> T:
            result = work(tx)
            if bump:
                row = tx.run(bump_query, token=uuid.uuid4().hex).single()
                lease = Lease.of(row.data() if row is not None else None)
                if lease is not None and lease.load != load:
                    raise _Leased(lease)
            return result

        recovered = False
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._session() as session:
                    result = session.execute_write(counted)
                if bump:
                    self.generation += 1
                return result
            except _Leased as exc:
                if recovered or not exc.lease.stale(staged.ACTIVE):
                    raise LoadInProgress(
                        "a large load is being written by another process; nothing was written, try again when "
                        "it is done"
                    ) from None
                recovered = True
                self._settle_load(exc.lease.load)
            except (neo4j_errors.ConstraintError, neo4j_errors.TransientError) as exc:
                _back_off_or_raise(exc, attempt)
            except neo4j_errors.IncompleteCommit as exc:
                raise StoreInDoubt("the graph database went away while committing a write") from exc
            except LOST as exc:
                # Not committed (that would be IncompleteCommit), so one more try is safe, if quick.
                if attempt > 1 or time.monotonic() - started > QUICK_FAILURE_S:
                    raise StoreUnavailable("the graph database went away during a write") from exc
            except neo4j_errors.Neo4jError as exc:
                raise StoreError(f"the graph database refused the write ({exc.code})") from exc
        raise AssertionError("unreachable")

    def read(
        self,
        statement: str,
        params: Mapping[str, Any] | None = None,
        *,
        kind: str | None = None,
        rel: str | None = None,
    ) -> list[dict[str, Any]]:
        query = self._cypher(statement, kind=kind, rel=rel)
        rows: list[dict[str, Any]] = self._reading(
            statement, query, params, lambda got: [native(r.data()) for r in got]
        )
        return rows

    def read_values(self, statement: str, params: Mapping[str, Any] | None = None) -> list[list[Any]]:
        values: list[list[Any]] = self._reading(statement, self._cypher(statement), params, lambda got: got.values())
        return values

    def _reading(
        self, statement: str, query: str, params: Mapping[str, Any] | None, rows: Callable[[neo4j.Result], Any]
    ) -> Any:
        # One auto-commit statement in a read session: RUN and PULL in one round trip, where a
        # managed transaction adds BEGIN and COMMIT; what the driver would retry is retried here.
        started = time.monotonic()
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                session = self._read_session()
                try:
                    answer = rows(session.run(query, dict(params or {})))
                except BaseException:
                    _close_quietly(session)  # whatever failed, its session is not reused
                    raise
                self._idle_read(session)
                return answer
            except neo4j_errors.TransientError as exc:
                if attempt == READ_ATTEMPTS or not exc.is_retryable():
                    raise StoreError(f"the graph database could not answer {statement!r} now") from exc
                # Jittered: writers that collided once must not retry in step and collide again.
                time.sleep(random.uniform(0.5, 1.5) * 0.05 * 2**attempt)
            except LOST as exc:
                # A pooled connection to a restarted server fails at once: one more try, on a fresh
                # one; a slow or absent server is answered for now rather than waited on twice.
                if attempt > 1 or time.monotonic() - started > QUICK_FAILURE_S:
                    raise StoreUnavailable("the graph database is not reachable") from exc
            except neo4j_errors.Neo4jError as exc:
                raise StoreError(f"the graph database refused the query {statement!r} ({exc.code})") from exc
        raise AssertionError("unreachable")

    def _read_session(self) -> neo4j.Session:
        """An idle read session, or a new one: opening one per read cost 0.05-0.09 ms of client CPU."""
        try:
            session = self._idle_reads.pop()
        except IndexError:
            return self._session(neo4j.READ_ACCESS)
        if self._down():
            self._idle_read(session)
            raise StoreUnavailable("the graph database is restarting")
        return session

    def _idle_read(self, session: neo4j.Session) -> None:
        if len(self._idle_reads) < IDLE_READ_SESSIONS:
            self._idle_reads.append(session)
        else:
            _close_quietly(session)

    def data_version(self) -> tuple[int, str]:
        """The change counter stored in the database: (value, token of the last write); (0, "")
        before the first write. It moves with every committed write of any process. Threads asking
        at once share one read that began after they asked (graph/coalesce.py)."""
        return self._version_read.read()

    def _read_data_version(self) -> tuple[int, str]:
        rows = self.read("meta_generation")
        lease = Lease.of(rows[0]) if rows else None
        if lease is not None and lease.stale(staged.ACTIVE):
            # An abandoned staged load: rolled back (or, past its commit point, finished) before
            # anyone is answered from it.
            try:
                self._settle_load(lease.load)
            except StoreError:
                log.exception("could not settle the abandoned load %s", lease.load)
            rows = self.read("meta_generation")
        return (int(rows[0]["value"]), str(rows[0]["token"])) if rows else (0, "")

    def warm_up(self) -> float:
        """Plan each statement once (EXPLAIN runs nothing), so that the first requests after a
        restart do not pay for a cold server's planner; returns the seconds it took."""
        started = time.monotonic()
        with self._driver.session(database=self.database) as session:
            for text in self.registry.samples(self.schema):
                try:
                    session.run("EXPLAIN " + text).consume()
                except neo4j_errors.Neo4jError:
                    continue  # best effort: a statement the server will not plan without values
        return time.monotonic() - started

    # -- schema ---------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        for name in ("schema_entity_key", "schema_contact_key", "schema_receipt_id", "schema_meta_key"):
            query = self._cypher(name)
            with self._session() as session:
                session.run(query).consume()  # schema commands cannot run in explicit transactions
        self.data_version()  # settles a staged load abandoned by a crash, before anything else runs

    # -- writes ---------------------------------------------------------------------------------

    def kinds_of(self, keys: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in chunks(sorted(set(keys)), DEFAULT_BATCH):
            for row in self.read("nodes_existing", {"keys": list(part)}):
                out[row["key"]] = row["kind"]
        return out

    def apply(
        self,
        batch: Batch,
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Progress | None = None,
        receipt: Receipt | None = None,
        expect: Mapping[str, str] | None = None,
    ) -> WriteSummary:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        expected = dict(expect or {})
        records = len(batch.nodes) + len(batch.relations) + len(batch.provenance)
        if records >= self.staged_min and not expected:
            return self._apply_staged(batch, batch_size, progress, receipt)

        def work(tx: neo4j.ManagedTransaction) -> WriteSummary:
            self._record_receipt(tx, receipt)
            summary = WriteSummary()
            empty = tx.run(self._cypher("nodes_any")).peek() is None  # then every key is new: no reads
            writing = _Writing(tx, batch_size, summary, expected, empty=empty)
            self._write_nodes(writing, batch.nodes)
            if progress:
                progress(len(batch.nodes))
            self._write_relations(writing, batch.relations)
            if progress:
                progress(len(batch.relations))
            self._write_provenance(tx, batch.provenance, batch_size, summary)
            if len(batch.nodes) + len(batch.relations) <= VERSIONED_MAX:
                summary.versions = self._versions_in(tx, batch)
            return summary

        return self._write(work)

    # -- staged loads (graph/staged.py) ----------------------------------------------------------

    def _apply_staged(
        self, batch: Batch, size: int, progress: Progress | None, receipt: Receipt | None
    ) -> WriteSummary:
        """`apply` of a large batch: chunks of `stage_rows` records, each its own transaction with its
        undo records, under the load lease; one commit point; rolled back on any failure."""
        load, owner = uuid.uuid4().hex, staged.owner_token()
        summary = WriteSummary()
        staged.ACTIVE.add(load)
        try:
            empty = self._write(lambda tx: self._claim_load(tx, load, owner, receipt), bump=False)
            try:
                self._write_chunks(batch, size, progress, load, owner, empty, summary)

                def commit(tx: neo4j.ManagedTransaction) -> None:
                    self._renew_lease(tx, load, owner, "committed")
                    if receipt is not None:
                        tx.run(self._cypher("receipt_create"), id=receipt.id, at=receipt.at).consume()

                self._write(commit, load=load)  # the commit point: bumps the change counter, once
            except StoreInDoubt:
                if self._settle_load(load) != "committed":
                    raise
            except BaseException as exc:
                self._roll_back_failed(load, exc)
                raise
            else:
                try:
                    self._finish_load(load)
                except StoreError:  # committed: what is left is bookkeeping, finished by the next reader
                    log.exception("could not remove the bookkeeping of the committed load %s", load)
            return summary
        finally:
            staged.ACTIVE.discard(load)

    def _write_chunks(
        self,
        batch: Batch,
        size: int,
        progress: Progress | None,
        load: str,
        owner: str,
        empty: bool,
        summary: WriteSummary,
    ) -> None:
        """Nodes, then relations, then provenance, `stage_rows` records a transaction, each with the
        undo records of what it wrote; no change counter bump (the commit point does it)."""
        seen: set[str] = set()
        seq = 0

        def chunk(write: Callable[[neo4j.ManagedTransaction, WriteSummary, Undo], None]) -> None:
            nonlocal seq, seen
            seq += 1

            def work(tx: neo4j.ManagedTransaction) -> tuple[WriteSummary, Undo]:
                self._renew_lease(tx, load, owner, "running")
                part, undo = WriteSummary(), Undo(seen=set(seen))
                write(tx, part, undo)
                query = self._cypher("load_undo_create")
                for rows_part in chunks(undo.rows(load, seq), size):
                    tx.run(query, rows=list(rows_part)).consume()
                return part, undo

            part, undo = self._write(work, bump=False)
            _add(summary, part)
            seen = undo.seen

        step = self.stage_rows
        for nodes in chunks(batch.nodes, step):
            chunk(lambda tx, s, u, n=nodes: self._write_nodes(_Writing(tx, size, s, {}, empty, u), list(n)))  # type: ignore[misc]
        if progress:
            progress(len(batch.nodes))
        for rels in chunks(batch.relations, step):
            chunk(lambda tx, s, u, r=rels: self._write_relations(_Writing(tx, size, s, {}, empty, u), list(r)))  # type: ignore[misc]
        if progress:
            progress(len(batch.relations))
        for part_keys in chunks(sorted(batch.provenance), step):
            prov = {k: batch.provenance[k] for k in part_keys}
            chunk(lambda tx, s, u, p=prov: self._write_provenance(tx, p, size, s, undo=u))  # type: ignore[misc]

    def _roll_back_failed(self, load: str, exc: BaseException) -> None:
        """The load failed before its commit point: roll it back; raise what the caller must see."""
        try:
            self._settle_load(load)
        except Exception as undo_exc:
            log.exception("the rollback of load %s did not finish", load)
            raise StoreError(
                "the load failed and rolling it back did not finish; the next process to reach the "
                "graph database rolls it back before answering"
            ) from undo_exc
        if isinstance(exc, _Leased):
            raise LoadInProgress("a large load is being written by another process") from None

    def _claim_load(self, tx: neo4j.ManagedTransaction, load: str, owner: str, receipt: Receipt | None) -> bool:
        """The load's first transaction: the lease, the receipt check; True if the graph is empty."""
        row = tx.run(self._cypher("load_claim")).single()
        lease = Lease.of(row.data() if row is not None else None)
        if lease is not None:
            raise _Leased(lease)
        if receipt is not None and tx.run(self._cypher("receipts_existing"), ids=[receipt.id]).peek() is not None:
            raise DuplicateWrite(receipt.id)
        empty = tx.run(self._cypher("nodes_any")).peek() is None
        tx.run(self._cypher("load_lease_set"), load=load, owner=owner, beat=time.time(), state="running").consume()
        return empty

    def _renew_lease(self, tx: neo4j.ManagedTransaction, load: str, owner: str, state: str) -> None:
        renewed = tx.run(self._cypher("load_lease_renew"), load=load, owner=owner, beat=time.time(), state=state)
        if renewed.peek() is None:
            raise StoreError("the load's lease was taken over (it was judged abandoned); the load is rolled back")

    def _settle_load(self, load: str) -> str:
        """Take over a load's lease, then roll the load back, or finish it if it passed its commit
        point. Returns "committed", "rolled back", or "gone" (no such lease any more)."""
        owner = staged.owner_token()
        row = self._write(
            lambda tx: tx.run(self._cypher("load_lease_takeover"), load=load, owner=owner, beat=time.time()).single(),
            bump=False,
        )
        if row is None:
            return "gone"
        if row["state"] == "committed":
            self._finish_load(load)
            return "committed"
        seqs = sorted((int(r["seq"]) for r in self.read("load_undo_seqs", {"load": load})), reverse=True)
        for seq in seqs:
            self._write(lambda tx, seq=seq: self._undo_chunk(tx, load, owner, seq), bump=False)  # type: ignore[misc]
        # A process may have cached the half load under the counter's old value: the counter moves.
        self._write(lambda tx: tx.run(self._cypher("load_lease_release"), load=load).consume(), load=load)
        log.warning("rolled back the staged load %s (%d chunks)", load, len(seqs))
        return "rolled back"

    def _undo_chunk(self, tx: neo4j.ManagedTransaction, load: str, owner: str, seq: int) -> None:
        """Undo one committed chunk, in one transaction: delete what it created, restore what it changed."""
        self._renew_lease(tx, load, owner, "rolling back")
        rows = [record["props"] for record in tx.run(self._cypher("load_undo_read"), load=load, seq=seq)]
        undo = staged.split_images([native(r) for r in rows])
        size = DEFAULT_BATCH
        for created in undo["created"]:
            refs = [
                {"start": a, "end": b, "key": k}
                for a, b, k in zip(created.get("rel_starts", []), created.get("rel_ends", []),
                                   created.get("rel_keys", []), strict=True)
            ]  # fmt: skip
            for part in chunks(refs, size):
                tx.run(self._cypher("relations_delete"), rows=list(part)).consume()
            for part in chunks(list(created.get("nodes", [])), size):
                tx.run(self._cypher("nodes_delete"), keys=list(part)).consume()
            for part in chunks(list(created.get("cards", [])), size):
                tx.run(self._cypher("contacts_delete"), keys=list(part)).consume()
        nodes = [{"key": i["key"], "props": i["props"]} for i in undo["node"]]
        for part in chunks(nodes, size):
            tx.run(self._cypher("nodes_restore"), rows=list(part)).consume()
        by_type: dict[str, list[dict[str, Any]]] = {}
        for i in undo["relation"]:
            by_type.setdefault(str(i["type"]), []).append(
                {"start": i["start"], "end": i["end"], "key": i["key"], "props": i["props"]}
            )
        for rel_type, rels in by_type.items():
            for part in chunks(rels, size):
                tx.run(self._cypher("relations_restore", rel=rel_type), rows=list(part)).consume()
        cards = [{"key": i["key"], "props": i["props"]} for i in undo["card"]]
        for part in chunks(cards, size):
            tx.run(self._cypher("contacts_restore"), rows=list(part)).consume()
        tx.run(self._cypher("load_undo_delete"), load=load, seq=seq).consume()

    def _finish_load(self, load: str) -> None:
        """After the commit point: drop the undo records, then the lease (no counter bump: the
        commit bumped it)."""
        for row in self.read("load_undo_seqs", {"load": load}):
            self._write(
                lambda tx, seq=row["seq"]: tx.run(self._cypher("load_undo_delete"), load=load, seq=seq).consume(),  # type: ignore[misc]
                bump=False,
            )
        self._write(lambda tx: tx.run(self._cypher("load_lease_release"), load=load).consume(), bump=False)

    def _versions_in(self, tx: neo4j.ManagedTransaction, batch: Batch) -> dict[str, str]:
        """The versions a small write leaves, from inside its transaction: what its ETag must be,
        even if another write follows before the answer is sent."""
        versions = {
            k: version_of(p) for k, p in self._stored_nodes(tx, [n.key for n in batch.nodes], DEFAULT_BATCH, {}).items()
        }
        for rel in batch.relations:
            row = {"start": rel.start, "end": rel.end, "key": rel.key}
            found = self._stored_relations(tx, rel.type, [row], DEFAULT_BATCH, {})
            versions.update({k: version_of(p) for k, p in found.items()})
        return versions

    def _write_nodes(self, w: _Writing, nodes: list[NodeRecord]) -> None:
        """Create or update `nodes`, with their contact cards."""
        tx, size, summary, expected, undo = w.tx, w.size, w.summary, w.expected, w.undo
        if w.empty and not expected:
            stored: dict[str, dict[str, Any]] = {}
        else:
            stored = self._stored_nodes(tx, [n.key for n in nodes], size, expected)
        to_create, to_update, contacts, new_contacts = _sort_nodes(nodes, stored, summary, undo)
        if undo is not None and contacts:
            self._image_cards(tx, [c["key"] for c in contacts], size, undo)
        for kind, kind_rows in to_create.items():
            query = self._cypher("nodes_create", kind=kind)
            for part in chunks(kind_rows, size):
                tx.run(query, rows=list(part)).consume()
        query = self._cypher("nodes_update")
        for part in chunks(to_update, size):
            tx.run(query, rows=list(part)).consume()
        for name, cards in (("contacts_create", new_contacts), ("contacts_upsert", contacts)):
            query = self._cypher(name)
            for part in chunks(cards, size):
                tx.run(query, rows=list(part)).consume()

    def _image_cards(self, tx: neo4j.ManagedTransaction, keys: list[str], size: int, undo: Undo) -> None:
        """Before a staged load writes the cards of persons that existed: each card as it was, or
        that there was none (then the rollback deletes the one this load creates)."""
        found: dict[str, dict[str, Any]] = {}
        query = self._cypher("contacts_existing")
        for part in chunks(keys, size):
            for record in tx.run(query, keys=list(part)):
                found[record["key"]] = native(record["props"])
        for key in keys:
            if key in found:
                undo.image("card", found[key], key=key)
            elif "c:" + key not in undo.seen:
                undo.created_card(key)

    def _stored_nodes(
        self, tx: neo4j.ManagedTransaction, keys: list[str], size: int, expected: Mapping[str, str]
    ) -> dict[str, dict[str, Any]]:
        """The stored properties of these nodes, read in the write's transaction; nodes a version is
        expected of are locked first and checked (PreconditionFailed rolls the whole write back)."""
        locked = [k for k in keys if k in expected]
        if locked:
            tx.run(self._cypher("nodes_lock"), keys=locked).consume()
        stored: dict[str, dict[str, Any]] = {}
        query = self._cypher("nodes_existing")
        for key_part in chunks(keys, size):
            for record in tx.run(query, keys=list(key_part)):
                stored[record["key"]] = native(record["props"])
        _check_versions(stored, {k: expected[k] for k in locked})
        return stored

    def _write_relations(self, w: _Writing, relations: list[RelationRecord]) -> None:
        tx, size, summary, expected, undo = w.tx, w.size, w.summary, w.expected, w.undo
        by_type: dict[str, list[RelationRecord]] = {}
        for rel in relations:
            by_type.setdefault(rel.type, []).append(rel)
        for rel_type, rels in by_type.items():
            rows: list[dict[str, Any]] = [
                {"start": r.start, "end": r.end, "key": r.key, "props": r.stored_properties()} for r in rels
            ]
            if w.empty and not expected:  # no entity existed when the write began: no relation either
                stored: dict[str, dict[str, Any]] = {}
            else:
                stored = self._stored_relations(tx, rel_type, rows, size, expected)
            to_create: list[dict[str, Any]] = []
            to_update: list[dict[str, Any]] = []
            for row in rows:
                old = stored.get(row["key"])
                if old is None:
                    summary.created[rel_type] += 1
                    to_create.append(row)
                    if undo is not None:
                        undo.created_relation(row["start"], row["end"], row["key"])
                elif _same(old, row["props"]):
                    summary.unchanged[rel_type] += 1
                else:
                    summary.updated[rel_type] += 1
                    if undo is not None:
                        undo.image("relation", old, key=row["key"], start=row["start"], end=row["end"], type=rel_type)
                    props = dict(row["props"])
                    to_update.append({**row, "props": props, "sources": props.pop("sources", [])})
            for name, todo in (("relations_create", to_create), ("relations_update", to_update)):
                query = self._cypher(name, rel=rel_type)
                for part in chunks(todo, size):
                    tx.run(query, rows=list(part)).consume()

    def _stored_relations(
        self,
        tx: neo4j.ManagedTransaction,
        rel_type: str,
        rows: Sequence[Mapping[str, Any]],
        size: int,
        expected: Mapping[str, str],
    ) -> dict[str, dict[str, Any]]:
        refs = [{k: r[k] for k in ("start", "end", "key")} for r in rows]
        locked = [r for r in refs if r["key"] in expected]
        if locked:
            tx.run(self._cypher("relations_lock", rel=rel_type), rows=locked).consume()
        stored: dict[str, dict[str, Any]] = {}
        existing = self._cypher("relations_existing", rel=rel_type)
        for part in chunks(refs, size):
            for record in tx.run(existing, rows=list(part)):
                stored[record["key"]] = native(record["props"])
        _check_versions(stored, {r["key"]: expected[r["key"]] for r in locked})
        return stored

    def _write_provenance(
        self,
        tx: neo4j.ManagedTransaction,
        provenance: Mapping[str, list[Source]],
        size: int,
        summary: WriteSummary,
        undo: Undo | None = None,
    ) -> None:
        if not provenance:
            return
        stored: dict[str, tuple[str, dict[str, Any]]] = {}
        query = self._cypher("nodes_existing")
        for key_part in chunks(sorted(provenance), size):
            for record in tx.run(query, keys=list(key_part)):
                stored[record["key"]] = (record["kind"], record["props"])
        rows: list[dict[str, Any]] = []
        for key, sources in provenance.items():
            kind, props = stored[key]
            existing = set(props.get("sources") or [])
            new = [s.to_json() for s in sources if s.to_json() not in existing]
            if new:
                summary.updated[kind] += 1
                rows.append({"key": key, "sources": new})
                if undo is not None:
                    undo.image("node", native(props), key=key)
        query = self._cypher("nodes_add_sources")
        for part in chunks(rows, size):
            tx.run(query, rows=list(part)).consume()

    def delete(
        self,
        node_keys: Iterable[str] = (),
        relations: Iterable[RelationRef] = (),
        *,
        receipt: Receipt | None = None,
        expect: Mapping[str, str] | None = None,
    ) -> WriteSummary:
        keys = sorted(set(node_keys))
        refs = [{"start": s, "end": e, "key": k} for s, e, k in relations]
        expected = dict(expect or {})

        def work(tx: neo4j.ManagedTransaction) -> WriteSummary:
            self._record_receipt(tx, receipt)
            summary = WriteSummary()
            if expected:
                self._check_before_delete(tx, keys, refs, expected)
            if refs:
                for record in tx.run(self._cypher("relations_delete"), rows=refs):
                    summary.deleted["relations"] += 1
                    del record
            if keys:
                for record in tx.run(self._cypher("nodes_existing"), keys=keys):
                    summary.deleted[record["kind"]] += 1
                tx.run(self._cypher("nodes_delete"), keys=keys).consume()
            return summary

        return self._write(work)

    def _check_before_delete(
        self,
        tx: neo4j.ManagedTransaction,
        keys: list[str],
        refs: list[dict[str, str]],
        expected: Mapping[str, str],
    ) -> None:
        self._stored_nodes(tx, [k for k in keys if k in expected], DEFAULT_BATCH, expected)
        wanted = [r for r in refs if r["key"] in expected]
        for rel_type in self.schema.relation_types if wanted else ():  # a reference does not name the type
            hits = [r for r in wanted if r["key"] in self._stored_relations(tx, rel_type, wanted, DEFAULT_BATCH, {})]
            if hits:
                self._stored_relations(tx, rel_type, hits, DEFAULT_BATCH, expected)

    def versions(self, node_keys: Iterable[str]) -> dict[str, str]:
        return {
            row["key"]: version_of(row["props"])
            for part in chunks(sorted(set(node_keys)), DEFAULT_BATCH)
            for row in self.read("nodes_existing", {"keys": list(part)})
        }

    def _record_receipt(self, tx: neo4j.ManagedTransaction, receipt: Receipt | None) -> None:
        """First in the write's transaction: a retry of a saved write stops here, and writes nothing.
        Two retries racing past the check collide on the receipt's unique id; `_write` retries the
        loser, which then stops here."""
        if receipt is None:
            return
        if tx.run(self._cypher("receipts_existing"), ids=[receipt.id]).peek() is not None:
            raise DuplicateWrite(receipt.id)
        tx.run(self._cypher("receipt_create"), id=receipt.id, at=receipt.at).consume()

    def committed(self, receipt_ids: Iterable[str]) -> set[str]:
        ids = sorted(set(receipt_ids))
        return {
            row["id"]
            for part in chunks(ids, DEFAULT_BATCH)
            for row in self.read("receipts_existing", {"ids": list(part)})
        }

    def clear(self) -> None:
        """Relations first, then nodes, 10,000 at a time: each transaction stays small at any size."""
        for name in ("clear_relations_some", "clear_some"):
            query = self._cypher(name)
            while True:
                deleted = self._write(lambda tx, q=query: tx.run(q, limit=10_000).single(strict=True)["deleted"])  # type: ignore[misc]
                if not deleted:
                    break

    # -- reads ----------------------------------------------------------------------------------

    def counts(self) -> Counts:
        nodes = {r["kind"]: r["count"] for r in self.read("counts_nodes")}
        relations = {r["type"]: r["count"] for r in self.read("counts_relations")}
        return Counts(nodes=dict(sorted(nodes.items())), relations=dict(sorted(relations.items())))

    def snapshot(self, keys: Iterable[str] | None = None, as_of: dt.date | None = None) -> nx.MultiDiGraph[str]:
        if keys is None:
            return self._graph_of(self.read("snapshot_all_nodes"), self.read("snapshot_all_relations"), as_of)
        return self.snapshot_as_read(keys, as_of)[1]

    def snapshot_as_read(
        self, keys: Iterable[str], as_of: dt.date | None = None
    ) -> tuple[tuple[int, str] | None, nx.MultiDiGraph[str]]:
        # Values as the driver gives them, converted here: its own conversion of records (made
        # for graph types) took 11.5 ms of CPU for Helsinki's 81-entity map, this 4.7 ms.
        [[found, value, token, load]] = self.read_values("snapshot_keys", {"keys": sorted(set(keys))})
        rows = native(found)
        node_rows = [{"props": props} for props, _ in rows]
        rel_rows = [
            {"start": props["key"], "type": rel_type, "end": end, "props": rel}
            for props, out in rows
            for rel_type, end, rel in out
        ]
        # No counter while a load holds its lease: `data_version` settles an abandoned load before answering.
        version = None if load else (int(value), str(token)) if value is not None else (0, "")
        return version, self._graph_of(node_rows, rel_rows, as_of)

    @staticmethod
    def _graph_of(node_rows: Rows, rel_rows: Rows, as_of: dt.date | None) -> nx.MultiDiGraph[str]:
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for row in node_rows:
            props = _decode_sources(row["props"])
            graph.add_node(props["key"], **props)
        for row in rel_rows:
            props = _decode_sources(row["props"])
            if not relation_holds(props, as_of):
                continue
            props["rel_key"] = props.pop("key", None)
            graph.add_edge(row["start"], row["end"], key=props["rel_key"], type=row["type"], **props)
        return graph

    def run_readonly(
        self, query: str, params: Mapping[str, Any] | None = None, *, timeout_s: float = 10.0, max_rows: int = 1_000
    ) -> ReadOnlyResult:
        """A user's own Cypher, read-only by three locks: the guard, then the server's two."""
        check_readonly(query)
        return self._run_under_server_locks(query, params, timeout_s=timeout_s, max_rows=max_rows)

    def _run_under_server_locks(
        self, query: str, params: Mapping[str, Any] | None, *, timeout_s: float, max_rows: int
    ) -> ReadOnlyResult:
        """What the server itself enforces, guard or no guard.

        Neo4j (Community has no read-only user): EXPLAIN must classify the query as read (`r`), and
        it runs in a READ transaction, which Neo4j refuses to write in, with a transaction timeout
        that Neo4j enforces. ArcadeDB enforces neither READ mode nor a per-transaction timeout
        (measured), so it runs as a user whose group may only read records, under the server's
        per-statement command timeout.
        """
        params = dict(params or {})
        try:
            if self._info.backend == "neo4j":
                with self._session() as session:
                    summary = session.run("EXPLAIN " + query, params).consume()
                if summary.query_type != "r":
                    raise ReadOnlyRefused("the database classifies this query as a write")
                driver = self._driver
            else:
                if self._readonly_auth is None:
                    raise ReadOnlyRefused("no read-only database user is configured for this store")
                if self._readonly_driver is None:
                    self._readonly_driver = neo4j.GraphDatabase.driver(
                        self.uri, auth=self._readonly_auth, **_driver_options(CONNECT_TIMEOUT_S)
                    )
                driver = self._readonly_driver

            @neo4j.unit_of_work(timeout=timeout_s)
            def work(tx: neo4j.ManagedTransaction) -> ReadOnlyResult:
                result = tx.run(query, params)
                rows: list[dict[str, Any]] = []
                for record in result:
                    if len(rows) == max_rows:
                        return ReadOnlyResult(list(result.keys()), rows, truncated=True)
                    rows.append({k: jsonable(v) for k, v in zip(record.keys(), record.values(), strict=True)})
                return ReadOnlyResult(list(result.keys()), rows, truncated=False)

            with driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except neo4j_errors.Neo4jError as exc:
            raise _console_error(exc) from exc
        except neo4j_errors.ServiceUnavailable as exc:
            raise StoreUnavailable("the graph database is not reachable") from exc

    def close(self) -> None:
        while self._idle_reads:
            _close_quietly(self._idle_reads.pop())
        if self._readonly_driver is not None:
            self._readonly_driver.close()
        self._driver.close()

    def __enter__(self) -> BoltStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
