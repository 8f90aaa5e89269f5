"""Every Cypher statement lives in `cypher/<name>.cypher` and is fetched here by name.

Files may use the placeholder identifiers `__Kind__` (a node label) and `__REL__` (a relation
type). They are valid Cypher identifiers as written, so Neo4j's linter checks the files raw, and
they are replaced only with names the schema has accepted, never with user input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from graph.schema import Schema

CYPHER_DIR = Path(__file__).resolve().parent.parent / "cypher"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
KIND_PLACEHOLDER = "__Kind__"
REL_PLACEHOLDER = "__REL__"


class CypherNotFound(LookupError):
    """A statement name with no file behind it: a bug, so it fails loudly and early."""


class CypherRegistry:
    """Loads statements by name from one folder and renders schema placeholders."""

    def __init__(self, directory: Path = CYPHER_DIR):
        self.directory = directory
        self.used: set[str] = set()

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.cypher"))

    @cache  # noqa: B019 - one registry per process; the cache is the point
    def _text(self, name: str) -> str:
        if not _NAME.match(name):
            raise CypherNotFound(f"invalid statement name {name!r}")
        path = self.directory / f"{name}.cypher"
        if not path.is_file():
            raise CypherNotFound(f"no Cypher file {path}")
        text = path.read_text(encoding="utf-8").strip()
        if not text:
            raise CypherNotFound(f"Cypher file {path} is empty")
        return text

    def get(self, name: str, schema: Schema | None = None, kind: str | None = None, rel: str | None = None) -> str:
        """The statement `name`, with placeholders replaced by schema-checked identifiers."""
        text = self._text(name)
        self.used.add(name)
        if KIND_PLACEHOLDER in text:
            if schema is None or kind is None:
                raise ValueError(f"{name}.cypher needs a node kind")
            text = text.replace(KIND_PLACEHOLDER, schema.label(kind))
        if REL_PLACEHOLDER in text:
            if schema is None or rel is None:
                raise ValueError(f"{name}.cypher needs a relation type")
            text = text.replace(REL_PLACEHOLDER, schema.relation_type(rel))
        return text

    def samples(self, schema: Schema) -> Iterator[str]:
        """Every query once (schema commands left out), with the schema's first kind and relation type."""
        kind, rel = next(iter(schema.node_kinds)), next(iter(schema.relation_types))
        for name in self.names():
            if name.startswith("schema_"):
                continue
            text = self._text(name).replace(KIND_PLACEHOLDER, schema.label(kind))
            yield text.replace(REL_PLACEHOLDER, schema.relation_type(rel))


REGISTRY = CypherRegistry()
