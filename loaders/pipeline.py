"""Validate everything first, then write once: the one path every source goes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph.model import Batch, RecordError, ValidationFailed, check_batch
from graph.store import GraphStore, Progress, WriteSummary
from loaders.base import LoadOptions, SourceRead, loader_for


@dataclass
class LoadReport:
    summary: WriteSummary = field(default_factory=WriteSummary)
    skipped: list[RecordError] = field(default_factory=list)
    candidates: list[dict[str, object]] = field(default_factory=list)
    dry_run: bool = False
    records: int = 0


def read_sources(sources: list[tuple[Path, str | None]], store: GraphStore, options: LoadOptions) -> list[SourceRead]:
    reads = []
    for path, fmt in sources:
        if not path.exists():
            raise ValidationFailed([RecordError(str(path), "(file)", "does not exist")])
        reads.append(loader_for(path, fmt).read(path, store.schema, options))
    return reads


def prepare(reads: list[SourceRead], store: GraphStore) -> tuple[Batch, list[RecordError]]:
    """Merge what the sources read and run the cross-record checks against the store."""
    batch = Batch()
    errors: list[RecordError] = []
    for read in reads:
        batch.extend(read.batch)
        errors.extend(read.errors)
    referenced = {n.key for n in batch.nodes} | {r.start for r in batch.relations} | {r.end for r in batch.relations}
    referenced |= set(batch.provenance)
    checked, cross_errors = check_batch(store.schema, batch, store.kinds_of(referenced))
    return checked, errors + cross_errors


def load(
    store: GraphStore,
    sources: list[tuple[Path, str | None]],
    options: LoadOptions | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = 5_000,
    progress: Progress | None = None,
) -> LoadReport:
    """Load sources all or nothing. With `skip_bad_rows`, bad records are reported and left out."""
    options = options or LoadOptions()
    reads = read_sources(sources, store, options)
    batch, errors = prepare(reads, store)
    if errors and not options.skip_bad_rows:
        raise ValidationFailed(errors)
    report = LoadReport(skipped=errors, dry_run=dry_run, records=len(batch))
    for read in reads:
        report.candidates.extend(read.candidates)
    if not dry_run and len(batch):
        report.summary = store.apply(batch, batch_size=batch_size, progress=progress)
    return report
