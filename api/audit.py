"""The audit log: who wrote what, and who read whose contact details. JSON lines, append only.

It never holds personal values: contact reads record the person's key, writes record the entity's
stored (non-personal) properties before and after, and only the *names* of personal fields set.
Kept as a file, not in the graph, so that audit entries never show up in graph questions.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


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

    def _lines(self) -> Iterator[str]:
        if not self.path.exists():
            return
        with self._lock, self.path.open(encoding="utf-8") as handle:
            lines = handle.readlines()
        yield from reversed(lines)

    def entries(
        self, *, action: str | None = None, actor: str | None = None, target: str | None = None
    ) -> Iterator[AuditEntry]:
        """Newest first, filtered."""
        for line in self._lines():
            if not line.strip():
                continue
            try:
                entry = AuditEntry.model_validate(json.loads(line))
            except ValueError:
                continue  # a torn last line after a crash: skip it rather than hide the rest
            if action is not None and entry.action != action:
                continue
            if actor is not None and entry.actor != actor:
                continue
            if target is not None and entry.target != target and target not in (entry.persons or []):
                continue
            yield entry
