"""Names wherever a key is asked: a key, a name or an alias, in Finnish, Swedish or English.

Every question that takes an entity (or a theme) resolves what it was given here, the same way:

1. an existing key, as given or in lower case (`c40`, `C40`, `MaaS` -> `maas`);
2. a name, alias or key equal to the text up to case and diacritics ("New York", "Helsingfors",
   "Tallinnan"); several entities with that name are *ambiguous*;
3. the search index's best hit, when it is a near-exact match (an inflected form the aliases lack,
   "Tukholmassa") and clearly ahead of the next one.

Anything else is *unknown*. Both errors carry the best suggestions from search, so the API can
answer them (404 / 409 problem with `suggestions`) and the CLI can ask "did you mean …?". The
answer of every question names what it resolved (`Resolution`). Writes stay key-only: an edit
must name exactly one record, whatever names say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel

from graph.store import GraphStore, NotFound
from questions.common import EntityRef, QuestionError
from questions.projection import View
from questions.reads import entity_refs
from questions.search import index_for
from questions.search_index import IndexedEntity

KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # graph.model.KEY_PATTERN's slugs
MAX_TEXT = 200
SUGGESTIONS = 5
ACCEPT_SCORE = 0.9  # a search hit this good (an inflected name) resolves on its own…
ACCEPT_MARGIN = 0.05  # … when the next hit scores this much less


class Resolution(BaseModel):
    """What a question was asked about, and how the text given was read."""

    asked: str  # the text as given
    entity: EntityRef
    by: Literal["key", "name", "search"]  # an exact key; a name, alias or key up to case; the best search hit


class Unresolved(NotFound):
    """No entity (of the kinds wanted) has this key or name; `suggestions` are the nearest names."""

    def __init__(self, asked: str, what: str, suggestions: Sequence[EntityRef]):
        self.asked, self.what, self.suggestions = asked, what, list(suggestions)
        text = f"no {what} with key or name {asked!r}"
        if self.suggestions:
            text += "; did you mean " + ", ".join(_label(s) for s in self.suggestions) + "?"
        super().__init__(text)


class Ambiguous(LookupError):
    """Several entities carry this name; give one of their keys (`suggestions`)."""

    def __init__(self, asked: str, what: str, suggestions: Sequence[EntityRef]):
        self.asked, self.what, self.suggestions = asked, what, list(suggestions)
        super().__init__(
            f"{asked!r} names {len(self.suggestions)} {what}s: "
            + ", ".join(_label(s) for s in self.suggestions)
            + "; give one of their keys"
        )


def _label(ref: EntityRef) -> str:
    return f"{ref.name} ({ref.key})" if ref.name != ref.key else ref.key


def _ref(entity: IndexedEntity) -> EntityRef:
    return EntityRef(
        key=entity.key, kind=entity.kind, name_fi=entity.name_fi, name_en=entity.name_en, name_sv=entity.name_sv
    )


def resolve(
    store: GraphStore,
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    at: View | None = None,
    refs: Callable[[list[str]], Mapping[str, EntityRef]] | None = None,
) -> Resolution:
    """The one entity `text` names (a key, a name or an alias), of one of `kinds` when given.

    `at`: the projection a question already holds (one read of the change counter): keys are
    looked up in it instead of the database. `refs`: the caller's own lookup of keys (the
    entities among them that exist), when its read of them serves it too."""
    wanted = frozenset(kinds or ())
    what = next(iter(wanted)).lower() if len(wanted) == 1 else "entity"
    asked = text.strip()
    if not asked:  # only spaces (whatever Unicode calls one): names nothing, like any unknown name
        raise Unresolved(text, what, [])
    if len(asked) > MAX_TEXT:
        raise QuestionError(f"a key or name has at most {MAX_TEXT} characters")
    keys = [k for k in dict.fromkeys([asked, asked.lower()]) if KEY.match(k)]
    if keys:
        found = refs(keys) if refs is not None else entity_refs(store, keys) if at is None else _refs_in(at, keys)
        for key in keys:
            if key in found and (not wanted or found[key].kind in wanted):
                return Resolution(asked=text, entity=found[key], by="key" if key == asked else "name")
    index = index_for(store) if at is None else index_for(store, version=at.version)
    exact = [e for e in index.exact(asked) if not wanted or e.kind in wanted]
    if len(exact) == 1:
        return Resolution(asked=text, entity=_ref(exact[0]), by="name")
    if len(exact) > 1:
        raise Ambiguous(asked, what, [_ref(e) for e in exact[: SUGGESTIONS * 2]])
    hits = index.search(asked, wanted or None, SUGGESTIONS)
    if hits and hits[0].score >= ACCEPT_SCORE and (len(hits) == 1 or hits[1].score <= hits[0].score - ACCEPT_MARGIN):
        return Resolution(asked=text, entity=_ref(hits[0].entity), by="search")
    raise Unresolved(asked, what, [_ref(h.entity) for h in hits])


def resolve_all(
    store: GraphStore, texts: Iterable[str], *, kinds: Iterable[str] | None = None, at: View | None = None
) -> list[Resolution]:
    """`resolve` for each text, in order; every text must resolve (the first that does not raises)."""
    wanted = tuple(kinds or ())
    return [resolve(store, text, kinds=wanted, at=at) for text in texts]


def _refs_in(at: View, keys: Iterable[str]) -> dict[str, EntityRef]:
    """`entity_refs` from the projection: the entities among `keys` that exist, by key."""
    p = at.projection
    found = {}
    for key in keys:
        i = p.index.get(key)
        if i is not None:
            found[key] = EntityRef(**p.entity(i))
    return found


def keys_of(resolutions: Iterable[Resolution]) -> list[str]:
    """The resolved keys, in order, without repeats."""
    return list(dict.fromkeys(r.entity.key for r in resolutions))
