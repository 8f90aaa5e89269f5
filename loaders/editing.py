"""Single-record writes (the API's use cases), through the loaders' own validation and the store's
one transaction per write: `parse_node` / `parse_relation`, then the pipeline's `check_and_apply`
(the same `check_batch` and `store.apply` every load goes through), or `store.delete`.

No HTTP here: a missing record raises `graph.store.NotFound`, a duplicate `AlreadyExists`, bad
fields `ValidationFailed`; the API turns them into problems. Existing state is read through
`store.snapshot`, which never holds personal contact fields, so before/after values are safe to audit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.model import Batch, NodeRecord, RecordError, ValidationFailed, parse_node, parse_relation
from graph.store import AlreadyExists, GraphStore, NotFound, Receipt, WriteSummary
from loaders.pipeline import check_and_apply

# Properties that are derived or bookkeeping, not something a user sets.
_DERIVED = frozenset({"search_text"})
_RELATION_FIELDS = ("since", "until", "role", "basis", "note")


@dataclass
class Outcome:
    action: str
    target: str
    summary: WriteSummary
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    personal_fields: list[str] = field(default_factory=list)


# Called after every successful write (the questions' search index, caches…).
AfterWrite = Callable[[GraphStore], None]
# Called with (action, target) once the write is validated, right before the database write: it
# journals the write and returns the receipt that the write's transaction records.
Journal = Callable[[str, str], Receipt | None]


def _no_journal(action: str, target: str) -> Receipt | None:
    return None


def stored_entity(store: GraphStore, key: str) -> dict[str, Any] | None:
    """The entity's stored, non-personal properties (sources decoded), or None."""
    graph = store.snapshot([key])
    if key not in graph:
        return None
    return {k: v for k, v in graph.nodes[key].items() if k not in _DERIVED}


def stored_relation(store: GraphStore, start: str, end: str, key: str) -> dict[str, Any] | None:
    """The relation with this key between these two entities (either direction), or None."""
    if start == end:
        return None
    graph = store.snapshot([start, end])
    for a, b, data in graph.edges(data=True):
        if {a, b} == {start, end} and data.get("rel_key") == key:
            props = dict(data)
            props["key"] = props.pop("rel_key")
            return {"start": a, "end": b, **props}
    return None


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    names = [n for n in {**before, **after} if before.get(n) != after.get(n)]
    return {n: before[n] for n in names if n in before}, {n: after[n] for n in names if n in after}


def _refuse_nulls(fields: Mapping[str, Any], record: str) -> None:
    nulls = [name for name, value in fields.items() if value is None]
    if nulls:
        raise ValidationFailed(
            [RecordError(record, name, "cannot be removed through the API; give a new value") for name in nulls]
        )


def _check_and_apply(
    store: GraphStore,
    batch: Batch,
    journal: Journal,
    action: str,
    target: str,
    expect: str | None = None,
) -> WriteSummary:
    expected = {target: expect} if expect else None
    return check_and_apply(store, batch, receipt=journal(action, target), expect=expected)


def _node(store: GraphStore, raw: Mapping[str, Any], record: str) -> NodeRecord:
    clash = [
        name
        for name in raw.get("properties", {})
        if name in store.schema.node_properties or name in ("kind", "sources", "basis")
    ]
    if clash:
        raise ValidationFailed(
            [RecordError(record, f"properties.{name}", "a common field: give it at the top level") for name in clash]
        )
    flat = {k: v for k, v in raw.items() if k != "properties"}
    flat.update(raw.get("properties", {}))
    return parse_node(store.schema, flat, record)


def create_entity(store: GraphStore, raw: Mapping[str, Any], journal: Journal = _no_journal) -> Outcome:
    node = _node(store, raw, "entity")
    if store.kinds_of([node.key]):
        raise AlreadyExists(f"An entity with key {node.key!r} already exists.")
    summary = _check_and_apply(store, Batch(nodes=[node]), journal, "entity.create", node.key)
    return Outcome(
        "entity.create", node.key, summary, after=stored_entity(store, node.key), personal_fields=sorted(node.personal)
    )


def update_entity(
    store: GraphStore, key: str, patch: Mapping[str, Any], journal: Journal = _no_journal, expect: str | None = None
) -> Outcome:
    """Merge `patch` into the stored entity and write it; sources given are added to the stored ones."""
    record = f"entity {key!r}"
    before = stored_entity(store, key)
    if before is None:
        raise NotFound(f"No entity with key {key!r}.")
    _refuse_nulls({k: v for k, v in patch.items() if k != "properties"}, record)
    _refuse_nulls({f"properties.{k}": v for k, v in patch.get("properties", {}).items()}, record)
    merged = dict(before)
    merged.update({k: v for k, v in patch.items() if k != "properties"})
    # The stored sources come along, so the data rule (a source on every node) holds for the record.
    merged["sources"] = [*before.get("sources", []), *patch.get("sources", [])]
    merged["key"] = key
    top_level = {*store.schema.node_properties, "kind", "sources"}
    properties = {k: v for k, v in merged.items() if k not in top_level}
    merged = {k: v for k, v in merged.items() if k not in properties}
    merged["properties"] = {**properties, **patch.get("properties", {})}
    node = _node(store, merged, record)
    summary = _check_and_apply(store, Batch(nodes=[node]), journal, "entity.update", key, expect)
    after = stored_entity(store, key) or {}
    old, new = _changed(before, after)
    return Outcome("entity.update", key, summary, before=old, after=new, personal_fields=sorted(node.personal))


def delete_entity(store: GraphStore, key: str, journal: Journal = _no_journal, expect: str | None = None) -> Outcome:
    before = stored_entity(store, key)
    if before is None:
        raise NotFound(f"No entity with key {key!r}.")
    # The relations that go with it, so the audit says what the delete removed.
    [[found]] = store.read_values("q_entity_relations", {"key": key})
    before["relations"] = sorted(
        f"{key} -{rel_type}-> {other}" if start == key else f"{other} -{rel_type}-> {key}"
        for rel_type, start, other, *_ in found
    )
    summary = store.delete(
        node_keys=[key], receipt=journal("entity.delete", key), expect={key: expect} if expect else None
    )
    return Outcome("entity.delete", key, summary, before=before)


def create_relation(store: GraphStore, raw: Mapping[str, Any], journal: Journal = _no_journal) -> Outcome:
    rel = parse_relation(store.schema, raw, "relation")
    if stored_relation(store, rel.start, rel.end, rel.key) is not None:
        raise AlreadyExists(f"The relation {rel.key!r} already exists.")
    summary = _check_and_apply(store, Batch(relations=[rel]), journal, "relation.create", rel.key)
    return Outcome("relation.create", rel.key, summary, after=stored_relation(store, rel.start, rel.end, rel.key))


def update_relation(
    store: GraphStore,
    start: str,
    end: str,
    key: str,
    patch: Mapping[str, Any],
    journal: Journal = _no_journal,
    expect: str | None = None,
) -> Outcome:
    record = f"relation {key!r}"
    before = stored_relation(store, start, end, key)
    if before is None:
        raise NotFound(f"No relation {key!r} between {start!r} and {end!r}.")
    _refuse_nulls(patch, record)
    raw = {name: before[name] for name in ("start", "end", "type", "key", *_RELATION_FIELDS) if name in before}
    raw.update(patch)
    raw["sources"] = [*before.get("sources", []), *patch.get("sources", [])]
    rel = parse_relation(store.schema, raw, record)
    summary = _check_and_apply(store, Batch(relations=[rel]), journal, "relation.update", key, expect)
    after = stored_relation(store, start, end, key) or {}
    old, new = _changed(before, after)
    return Outcome("relation.update", key, summary, before=old, after=new)


def delete_relation(
    store: GraphStore, start: str, end: str, key: str, journal: Journal = _no_journal, expect: str | None = None
) -> Outcome:
    before = stored_relation(store, start, end, key)
    if before is None:
        raise NotFound(f"No relation {key!r} between {start!r} and {end!r}.")
    summary = store.delete(
        relations=[(before["start"], before["end"], key)],
        receipt=journal("relation.delete", key),
        expect={key: expect} if expect else None,
    )
    return Outcome("relation.delete", key, summary, before=before)
