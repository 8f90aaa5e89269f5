"""How a source becomes records: each source type is one module that registers one `Loader`.

A loader only reads and validates; it never writes. `loaders.pipeline` does the cross-record
checks against the store and the one all-or-nothing write, so every source gets the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from graph.model import Batch, RecordError
from graph.schema import Schema


@dataclass
class LoadOptions:
    skip_bad_rows: bool = False
    document_id: str | None = None  # for the document loader: how provenance names the document
    # Names and aliases of the entities already known (stored, or read from earlier sources of the
    # same load), by key. Filled by the pipeline for loaders with `uses_known_entities = True`.
    known_entities: dict[str, list[str]] | None = None


@dataclass
class SourceRead:
    """What a loader made of one source: records, and the errors of the records it could not make."""

    source: str
    batch: Batch = field(default_factory=Batch)
    errors: list[RecordError] = field(default_factory=list)
    # Candidate relations (e.g. co-mentions in a document) for a person to review; never written.
    candidates: list[dict[str, object]] = field(default_factory=list)
    # Extra provenance to attach to stored nodes: key -> source JSON strings (document loader).
    mentions: dict[str, list[str]] = field(default_factory=dict)
    # Where each record came from ("<file> line <n>"), by id() of the record in `batch`, so the
    # cross-record checks can name the file and line too.
    where: dict[int, str] = field(default_factory=dict)
    # How a place names the columns of its fields (place -> field -> column), for loaders whose
    # columns are not the field names: the cross-record errors then name the column too.
    columns: dict[str, dict[str, str]] = field(default_factory=dict)


class Loader(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    def detect(self, path: Path) -> bool:
        """True if this loader recognises the source (used when the user names no format)."""

    def read(self, path: Path, schema: Schema, options: LoadOptions) -> SourceRead:
        """Parse and validate the source; errors name the file, line, column and reason."""


LOADERS: dict[str, Loader] = {}


def register(cls: type[Loader]) -> type[Loader]:
    """Class decorator: a new source type is one module with one registered class."""
    LOADERS[cls.name] = cls()
    return cls


def loader_for(path: Path, name: str | None = None) -> Loader:
    import loaders  # noqa: F401, PLC0415 - importing the package registers the built-ins

    if name:
        if name not in LOADERS:
            raise KeyError(f"unknown format {name!r}; known: {', '.join(sorted(LOADERS))}")
        return LOADERS[name]
    for loader in LOADERS.values():
        if loader.detect(path):
            return loader
    raise KeyError(f"{path}: no loader recognises this source; name one with --format ({', '.join(sorted(LOADERS))})")
