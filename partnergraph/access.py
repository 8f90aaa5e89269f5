"""Who may do what, without any web framework: the roles and the API keys' format and hash.

The API checks callers with them (`api/security.py`); `partnergraph keys new` makes keys with them,
so the command line needs nothing of FastAPI.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass

KEY_PREFIX = "pg_"


class Role(enum.IntEnum):
    reader = 1
    contacts = 2
    editor = 3
    admin = 4

    @property
    def sees_contacts(self) -> bool:
        return self >= Role.contacts


@dataclass(frozen=True)
class Principal:
    """Who is asking: a key's holder, or anonymous."""

    name: str
    role: Role
    anonymous: bool = False

    @property
    def sees_contacts(self) -> bool:
        return self.role.sees_contacts


def new_key() -> str:
    """A fresh random key (256 bits); only its hash is ever configured."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """SHA-256 hex of a key. Unsalted on purpose: keys are random 256-bit tokens, not passwords."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
