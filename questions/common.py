"""What every question shares: references to entities, dates, and the errors users can act on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel


class NotFound(LookupError):
    """A key the question needs does not exist; the API answers 404 with this message."""


class EntityRef(BaseModel):
    key: str
    kind: str
    name_fi: str | None = None
    name_en: str | None = None

    @property
    def name(self) -> str:
        return self.name_en or self.name_fi or self.key


class SourceQuote(BaseModel):
    doc: str
    section: str | None = None
    quote: str
    sentence: int | None = None


def ref(key: str, data: Mapping[str, Any]) -> EntityRef:
    return EntityRef(key=key, kind=str(data.get("kind", "")), name_fi=data.get("name_fi"), name_en=data.get("name_en"))


def holds(props: Mapping[str, Any], as_of: dt.date | None) -> bool:
    """Whether a relation with these since/until properties is valid on `as_of` (None: always)."""
    if as_of is None:
        return True
    since, until = props.get("since"), props.get("until")
    return (since is None or since <= as_of) and (until is None or until >= as_of)
