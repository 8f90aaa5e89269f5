"""Validate everything first, then write once: the one path every source goes through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.model import Batch, RecordError, ValidationFailed, check_batch
from graph.store import GraphStore, Progress, Receipt, WriteSummary
from loaders.base import LoadOptions, SourceRead, loader_for


@dataclass
class LoadReport:
    summary: WriteSummary = field(default_factory=WriteSummary)
    skipped: list[RecordError] = field(default_factory=list)
    candidates: list[dict[str, object]] = field(default_factory=list)
    dry_run: bool = False
    records: int = 0


def known_entities(store: GraphStore, reads: list[SourceRead]) -> dict[str, list[str]]:
    """Names and aliases by key of the stored entities and of those the earlier sources read."""
    known: dict[str, list[str]] = {}
    for key, data in store.snapshot().nodes(data=True):
        known[key] = [n for n in (data.get("name_fi"), data.get("name_en"), *data.get("aliases", ())) if n]
    for read in reads:
        for node in read.batch.nodes:
            known[node.key] = [n for n in (node.name_fi, node.name_en, *node.aliases) if n]
    return known


def read_sources(sources: list[tuple[Path, str | None]], store: GraphStore, options: LoadOptions) -> list[SourceRead]:
    reads: list[SourceRead] = []
    for path, fmt in sources:
        if not path.exists():
            raise ValidationFailed([RecordError(str(path), "(file)", "does not exist")])
        loader = loader_for(path, fmt)
        opts = options
        if getattr(loader, "uses_known_entities", False) and options.known_entities is None:
            opts = replace(options, known_entities=known_entities(store, reads))
        reads.append(loader.read(path, store.schema, opts))
    return reads


def check(store: GraphStore, batch: Batch, where: Mapping[int, str] | None = None) -> tuple[Batch, list[RecordError]]:
    """The cross-record checks of a batch against the store (`graph.model.check_batch`)."""
    referenced = {n.key for n in batch.nodes} | {r.start for r in batch.relations} | {r.end for r in batch.relations}
    referenced |= set(batch.provenance)
    return check_batch(store.schema, batch, store.kinds_of(referenced), where)


def check_and_apply(
    store: GraphStore,
    batch: Batch,
    *,
    receipt: Receipt | None = None,
    expect: Mapping[str, str] | None = None,
) -> WriteSummary:
    """Check a batch against the store, then write it in one transaction; ValidationFailed with
    every error, and nothing written, when a check fails. The single-record writes use this."""
    checked, errors = check(store, batch)
    if errors:
        raise ValidationFailed(errors)
    return store.apply(checked, receipt=receipt, expect=expect)


def prepare(reads: list[SourceRead], store: GraphStore) -> tuple[Batch, list[RecordError]]:
    """Merge what the sources read and run the cross-record checks against the store."""
    batch = Batch()
    errors: list[RecordError] = []
    for read in reads:
        batch.extend(read.batch)
        errors.extend(read.errors)
    where = {ident: place for read in reads for ident, place in read.where.items()}
    checked, cross_errors = check(store, batch, where)
    columns = {place: names for read in reads for place, names in read.columns.items()}
    return checked, errors + [_with_column(e, columns) for e in cross_errors]


def _with_column(error: RecordError, columns: dict[str, dict[str, str]]) -> RecordError:
    """A cross-record error names the field; name its column too where the loader said which it is."""
    place = error.record.rsplit(" (", 1)[0]  # labels are "<place> (key 'k')" or "<place> (a -T-> b)"
    column = columns.get(place, {}).get(error.field)
    return RecordError(error.record, column, error.reason) if column else error


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
