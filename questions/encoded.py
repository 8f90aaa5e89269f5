"""The projection's entities and relations as JSON, each encoded once per projection.

A neighbourhood answer is up to 2,000 entities and their relations; building a dict for each and
encoding it again on every click was most of its time (profiled at 10^4 nodes: 7 of 10.5 ms).
Here each entity and relation is encoded the first time an answer needs it, kept with the
projection (it changes only when the counter moves), and answers join the bytes
(`orjson.Fragment`). The bytes are those `orjson.dumps` gives the same plain data, so the answer's
JSON does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import orjson

from questions.columns import gather
from questions.projection import Projection, View

# Encoded items kept per projection and column before they are dropped and encoded afresh: about
# 200 bytes each, so at most some 40 MB however much of a large graph is explored.
KEPT_MAX = 200_000
_DEPTH_TAILS = [b',"depth":%d}' % depth for depth in range(64)]


class _Encoded:
    """Item i's JSON, encoded on first use and kept."""

    def __init__(self, size: int, encode: Callable[[int], bytes]):
        self._size, self._encode = size, encode
        self._made: list[bytes | None] = [None] * size
        self._kept = 0

    def __call__(self, indices: Sequence[int]) -> Sequence[bytes]:
        made = self._made
        found = gather(made, indices)
        if None not in found:
            return found  # type: ignore[return-value]
        if self._kept + len(indices) > KEPT_MAX:
            made = self._made = [None] * self._size
            self._kept = 0
        encode = self._encode
        for i in indices:
            if made[i] is None:
                made[i] = encode(i)
                self._kept += 1
        return gather(made, indices)  # type: ignore[arg-type]


def _entity_heads(p: Projection) -> _Encoded:
    """`EntityRef` data's JSON without its closing brace, so that fields can follow."""
    keys, kinds, fi, en, sv = p.keys, p.kinds, p.names_fi, p.names_en, p.names_sv
    return _Encoded(
        len(keys),
        lambda i: orjson.dumps(
            {"key": keys[i], "kind": kinds[i], "name_fi": fi[i], "name_en": en[i], "name_sv": sv[i]}
        )[:-1],
    )


def _relations(p: Projection) -> _Encoded:
    """`RelationRef` data's JSON."""
    keys, starts, ends = p.keys, p.starts, p.ends
    types, rel_keys, roles, since, until, bases = p.types, p.rel_keys, p.roles, p.since, p.until, p.bases

    def encode(r: int) -> bytes:
        basis = "stated" if bases[r] is None else bases[r]
        return orjson.dumps({"start": keys[starts[r]], "end": keys[ends[r]], "type": types[r], "key": rel_keys[r],
                             "role": roles[r], "since": since[r], "until": until[r], "basis": basis})  # fmt: skip

    return _Encoded(len(types), encode)


def nodes_json(at: View, entities: Sequence[int], depths: Sequence[int]) -> orjson.Fragment:
    """The JSON list of `NodeOut` data: each entity's `EntityRef` fields and its depth."""
    heads = at.get("entity_json_heads", _entity_heads)(entities)
    return json_list(map(bytes.__add__, heads, gather(_DEPTH_TAILS, depths)))


def entities_json(at: View, entities: Sequence[int]) -> Sequence[bytes]:
    """Each entity's `EntityRef` data as JSON: its kept head, closed."""
    return [head + b"}" for head in at.get("entity_json_heads", _entity_heads)(entities)]


def list_json(items: Iterable[bytes]) -> bytes:
    """The JSON list of items already encoded."""
    return b"[" + b",".join(items) + b"]"


def json_list(items: Iterable[bytes]) -> orjson.Fragment:
    """`list_json` to put in plain data that orjson encodes."""
    return orjson.Fragment(list_json(items))


def relations_json(at: View, relations: Sequence[int]) -> orjson.Fragment:
    """The JSON list of `RelationRef` data for these relations, in this order."""
    return json_list(at.get("relation_json", _relations)(relations))
