"""The audit log: who wrote what, and who read whose contact details. JSON lines, append only.

It never holds personal values: contact reads record the person's key, writes record the entity's
stored (non-personal) properties before and after, and only the *names* of personal fields set.
Kept as a file, not in the graph, so that audit entries never show up in graph questions.

A write is journaled: a `pending` entry (fsynced) before the database write, whose transaction
also leaves a receipt (graph.store.Receipt); a `committed` entry after it, before the answer. A
crash between the two leaves a pending entry, which `reconcile` settles from the receipts: so no
saved write goes unaudited, and no write is acknowledged before its audit entry is on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from graph.store import GraphStore

STALE_PENDING_S = 120.0  # a journaled write older than any transaction may run is settled from its receipt


class AuditEntry(BaseModel):
    at: dt.datetime = Field(description="When (UTC).")
    actor: str = Field(description="The name of the API key (or 'anonymous').")
    role: str
    action: str = Field(description="contacts.read, entity.create|update|delete, relation.create|update|delete.")
    target: str = Field(description="The entity key, or the relation key.")
    persons: list[str] | None = Field(
        default=None, description="contacts.read: the persons whose contact details were shown."
    )
    before: dict[str, Any] | None = Field(default=None, description="Non-personal stored properties before the write.")
    after: dict[str, Any] | None = Field(default=None, description="Non-personal stored properties after the write.")
    personal_fields: list[str] | None = Field(
        default=None, description="Names (never values) of personal fields written."
    )
    summary: dict[str, dict[str, int]] | None = None
    write_id: str | None = Field(default=None, description="Writes: the journal id shared by its entries.")
    status: Literal["pending", "committed", "failed"] | None = Field(
        default=None, description="Writes: pending (journaled before the write), committed, or failed."
    )
    note: str | None = None


class AuditLog:
    """Appends entries to one JSON-lines file; thread-safe within the process."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def record(self, entry: AuditEntry) -> None:
        line = entry.model_dump_json(exclude_none=True) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())  # an acknowledged write's entry must survive a crash

    def contacts_read(self, actor: str, role: str, target: str, persons: list[str]) -> None:
        """Audit that `persons`' email or phone were shown (never the values); nothing when none were."""
        if persons:
            self.record(
                AuditEntry(
                    at=dt.datetime.now(dt.UTC),
                    actor=actor,
                    role=role,
                    action="contacts.read",
                    target=target,
                    persons=persons,
                )
            )

    def _lines(self) -> Iterator[str]:
        if not self.path.exists():
            return
        with self._lock, self.path.open(encoding="utf-8") as handle:
            lines = handle.readlines()
        yield from reversed(lines)

    def _all(self) -> list[AuditEntry]:
        """Oldest first; a torn last line after a crash is skipped rather than hiding the rest."""
        out = []
        for line in reversed(list(self._lines())):
            if not line.strip():
                continue
            try:
                out.append(AuditEntry.model_validate(json.loads(line)))
            except ValueError:
                continue
        return out

    def final(self, write_id: str) -> AuditEntry | None:
        """The committed or failed entry of a journaled write, if it has one."""
        return next((e for e in reversed(self._all()) if e.write_id == write_id and e.status != "pending"), None)

    def pending(self) -> list[AuditEntry]:
        """Journaled writes with no outcome yet: interrupted, or under way right now."""
        settled = {e.write_id for e in self._all() if e.write_id and e.status != "pending"}
        return [e for e in self._all() if e.status == "pending" and e.write_id not in settled]

    def reconcile(self, store: GraphStore, *, older_than_s: float = 0.0, ids: set[str] | None = None) -> int:
        """Settle pending writes from the database's receipts; returns how many were settled.
        `older_than_s` and `ids` leave alone the writes that may still be under way elsewhere."""
        now = dt.datetime.now(dt.UTC)
        waiting = [
            e
            for e in self.pending()
            if (now - e.at).total_seconds() >= older_than_s and (ids is None or e.write_id in ids)
        ]
        if not waiting:
            return 0
        saved = store.committed(e.write_id for e in waiting if e.write_id)
        for entry in waiting:
            committed = entry.write_id in saved
            self.record(
                entry.model_copy(
                    update={
                        "at": now,
                        "status": "committed" if committed else "failed",
                        "note": "settled after an interruption: the database "
                        + ("has the write" if committed else "does not have the write"),
                    }
                )
            )
        return len(waiting)

    def entries(
        self, *, action: str | None = None, actor: str | None = None, target: str | None = None
    ) -> Iterator[AuditEntry]:
        """Newest first, filtered; a journaled write shows once, with its outcome."""
        settled = {e.write_id for e in self._all() if e.write_id and e.status != "pending"}
        for entry in reversed(self._all()):
            if entry.status == "pending" and entry.write_id in settled:
                continue
            if action is not None and entry.action != action:
                continue
            if actor is not None and entry.actor != actor:
                continue
            if target is not None and entry.target != target and target not in (entry.persons or []):
                continue
            yield entry
