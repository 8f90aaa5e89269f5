"""Sources for the records tests write: the data rules refuse a node or relation without one."""

from __future__ import annotations

from typing import Any

# A manual entry: who entered the fact, when, and how they know it.
MANUAL_SOURCE: dict[str, Any] = {"by": "Test Editor", "at": "2026-11-30", "note": "Entered by the test suite."}


def sourced(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with the manual-entry source, unless it names sources of its own."""
    return {"sources": [MANUAL_SOURCE], **body}
