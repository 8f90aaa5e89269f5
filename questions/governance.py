"""Governance checks the policy asks for, and the gaps worth a curator's look.

- Memberships without owner: "Kaikilla verkostojäsenyyksillä tulee olla kaupungilla selkeä
  omistaja" (every network membership must have a clear owner in the city). A membership is a
  MEMBER_OF from a city or organisation to a network; it has an owner when someone holds an
  OWNS_MEMBERSHIP into that network. A membership whose every owner is only *inferred* (the
  curator's reading, no source names the owner) is reported as such: it has no clear owner yet.
- Themes without partners: no one works on the theme or on any of its sub-themes (TOUCHES,
  KEY_ACTOR_FOR or LEADS); `themes_only_home` lists those only the home city itself works on.
- Partners without theme: cities, organisations and networks linked to the home city by
  PARTNER_OF (either way) or by its MEMBER_OF, that work on no theme at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import orjson
from pydantic import BaseModel

from graph.schema import load_schema
from graph.store import GraphStore
from questions.columns import gather, is_in, look_up
from questions.common import EntityRef, Raw
from questions.encoded import entities_json, json_list, list_json
from questions.projection import Projection, View, view
from questions.reads import Link, relations_of_type
from questions.resolve import Resolution, resolve
from questions.themes import THEME, family_counts, link_rels, load_tree, theme_links, theme_tree

_SCHEMA = load_schema()  # the meaning of kinds and types is the schema's (graph/schema.yaml roles)
PARTNER_KINDS = tuple(sorted(_SCHEMA.actor_kinds))
MEMBER_OF = _SCHEMA.type_with_role("membership")
MEMBER_KINDS = _SCHEMA.relation_types[MEMBER_OF].sources  # who can be a member
OWNS_MEMBERSHIP, PARTNER_OF = _SCHEMA.type_with_role("membership_owner"), _SCHEMA.type_with_role("partnership")
INFERRED = "inferred"
_INFERRED_JSON = orjson.dumps(INFERRED)


class Membership(BaseModel):
    member: EntityRef
    network: EntityRef
    basis: str = "stated"  # of the MEMBER_OF itself


class InferredOwnership(Membership):
    """A membership whose owners are all inferred: the document names none."""

    owners: list[EntityRef]
    owner_basis: str = "inferred"


class GovernanceAnswer(BaseModel):
    home: str
    memberships_without_owner: list[Membership]
    memberships_with_inferred_owner: list[InferredOwnership] = []
    themes_without_partners: list[EntityRef]
    partners_without_theme: list[EntityRef]
    themes_only_home: list[EntityRef] = []
    as_of: dt.date | None = None
    resolved: Resolution | None = None  # how the home asked for was read


def _ownership(
    store: GraphStore, members: list[Link], as_of: dt.date | None
) -> tuple[dict[tuple[str, str], Membership], dict[tuple[str, str], InferredOwnership]]:
    """Memberships with no owner, and those whose every owner is only inferred."""
    owners: dict[str, list[tuple[EntityRef, str]]] = {}
    for link in relations_of_type(store, OWNS_MEMBERSHIP, as_of):
        owners.setdefault(link.end.key, []).append((link.start, str(link.props.get("basis", "stated"))))
    unowned: dict[tuple[str, str], Membership] = {}
    inferred: dict[tuple[str, str], InferredOwnership] = {}
    for link in members:
        if link.start.kind not in MEMBER_KINDS:
            continue
        basis = str(link.props.get("basis", "stated"))
        held = owners.get(link.end.key, [])
        if not held:
            unowned[(link.start.key, link.end.key)] = Membership(member=link.start, network=link.end, basis=basis)
        elif all(owner_basis == INFERRED for _, owner_basis in held):
            inferred[(link.start.key, link.end.key)] = InferredOwnership(
                member=link.start,
                network=link.end,
                basis=basis,
                owners=sorted({o.key: o for o, _ in held}.values(), key=lambda o: o.key),
            )
    return unowned, inferred


def governance_in_database(
    store: GraphStore, *, home: str = "helsinki", as_of: dt.date | None = None
) -> GovernanceAnswer:
    """`governance` asked of the database, relation by relation: the plain reference the fast
    path is tested against."""
    resolution = resolve(store, home)
    home = resolution.entity.key
    members = relations_of_type(store, MEMBER_OF, as_of)
    unowned, inferred = _ownership(store, members, as_of)
    tree = load_tree(store, as_of)
    links = theme_links(store, None, as_of)
    workers: dict[str, set[str]] = {}
    for theme_link in links:
        if theme_link.actor.kind != THEME:
            workers.setdefault(theme_link.theme, set()).add(theme_link.actor.key)
    nobody, only_home = [], []
    for key, theme in sorted(tree.themes.items()):
        family_workers = set().union(*(workers.get(t, set()) for t in tree.family(key)))
        if not family_workers:
            nobody.append(theme)
        elif family_workers == {home}:
            only_home.append(theme)
    partners: dict[str, EntityRef] = {}
    for link in relations_of_type(store, PARTNER_OF, as_of):
        if home in (link.start.key, link.end.key):
            other = link.end if link.start.key == home else link.start
            partners[other.key] = other
    for link in members:
        if link.start.key == home:
            partners[link.end.key] = link.end
    with_theme = {theme_link.actor.key for theme_link in links}
    lonely = [p for k, p in sorted(partners.items()) if p.kind in PARTNER_KINDS and k not in with_theme]
    return GovernanceAnswer(
        home=home,
        memberships_without_owner=[m for _, m in sorted(unowned.items())],
        memberships_with_inferred_owner=[m for _, m in sorted(inferred.items())],
        themes_without_partners=nobody,
        partners_without_theme=lonely,
        themes_only_home=only_home,
        as_of=as_of,
        resolved=resolution,
    )


def governance(store: GraphStore, *, home: str = "helsinki", as_of: dt.date | None = None) -> GovernanceAnswer:
    """`home` is the city whose partners are checked (the document's: Helsinki); a key or a name.

    Answered from the projection (one read of the change counter), with the theme tree kept
    beside it; `governance_in_database` is the plain reference."""
    return governance_raw(store, home=home, as_of=as_of).validate()


def governance_raw(store: GraphStore, *, home: str = "helsinki", as_of: dt.date | None = None) -> Raw[GovernanceAnswer]:
    """`governance` as plain data: at 10^5 entities the answer lists some 10^4 memberships."""
    at = view(store)
    resolution = resolve(store, home, at=at)
    home = resolution.entity.key
    p = at.projection
    members = p.held(at.get(("of_type", MEMBER_OF), lambda q: q.of_type(MEMBER_OF)), as_of)
    unowned, inferred = _fast_ownership(at, members, as_of)
    links = link_rels(at, as_of)
    tree = theme_tree(store, as_of, at=at)
    workers = links[~is_in(p.kind_ids[p.starts[links]], _kind_ids(p, [THEME]), len(p.kind_names))]
    order, _, total = at.get(("family_counts", "workers", as_of), lambda _: family_counts(at, tree, workers))
    counts = np.diff(total.indptr)
    home_i = p.index.get(home, -1)
    nobody = [tree.themes[order[i]] for i in np.flatnonzero(counts == 0).tolist()]
    only_home = [
        tree.themes[order[i]] for i in np.flatnonzero(counts == 1).tolist() if total.indices[total.indptr[i]] == home_i
    ]
    partners = set(p.ends[members[p.starts[members] == home_i]].tolist())
    partnered = p.held(at.get(("of_type", PARTNER_OF), lambda q: q.of_type(PARTNER_OF)), as_of)
    starts, ends = p.starts[partnered], p.ends[partnered]
    partners.update(ends[starts == home_i].tolist(), starts[ends == home_i].tolist())
    with_theme = np.zeros(len(p.keys), dtype=bool)
    with_theme[p.starts[links]] = True
    kinds = set(_kind_ids(p, PARTNER_KINDS))
    lonely = [i for i in sorted(partners) if int(p.kind_ids[i]) in kinds and not with_theme[i]]
    data = {
        "home": home,
        "memberships_without_owner": unowned,
        "memberships_with_inferred_owner": inferred,
        "themes_without_partners": nobody,
        "partners_without_theme": json_list(entities_json(at, lonely)),
        "themes_only_home": only_home,
        "as_of": as_of,
        "resolved": resolution,
    }
    return Raw(GovernanceAnswer, data)


def _kind_ids(p: Projection, kinds: tuple[str, ...] | list[str]) -> list[int]:
    return [i for i, name in enumerate(p.kind_names) if name in kinds]


def _bases_json(p: Projection, rels: list[int]) -> Sequence[bytes]:
    """Each relation's basis as JSON (a few distinct ones, each encoded once)."""
    bases = gather(p.bases, rels)
    encoded = {basis: orjson.dumps("stated" if basis is None else basis) for basis in set(bases)}
    return look_up(encoded, bases)


def _fast_ownership(
    at: View, members: npt.NDArray[np.int64], as_of: dt.date | None
) -> tuple[orjson.Fragment, orjson.Fragment]:
    """`_ownership` on the projection, as the JSON of `Membership` and `InferredOwnership` lists:
    memberships (one per member and network, the last relation in key order, as the reference's
    dict keeps) with no owner, and those whose owners are all inferred. At 10^5 entities these are
    some 10^4 memberships, so each is joined from its entities' JSON (questions/encoded.py)."""
    p = at.projection
    owned = p.held(at.get(("of_type", OWNS_MEMBERSHIP), lambda q: q.of_type(OWNS_MEMBERSHIP)), as_of)
    owners = np.bincount(p.ends[owned], minlength=len(p.keys))
    owned_list = owned.tolist()
    stated = [r for r, basis in zip(owned_list, gather(p.bases, owned_list), strict=True) if basis != INFERRED]
    sure = np.bincount(p.ends[np.asarray(stated, dtype=np.int64)], minlength=len(p.keys))
    members = members[is_in(p.kind_ids[p.starts[members]], _kind_ids(p, MEMBER_KINDS), len(p.kind_names))]
    pairs = p.starts[members].astype(np.int64) * len(p.keys) + p.ends[members]
    members = members[np.append(pairs[1:] != pairs[:-1], True)] if len(members) else members  # the last of each pair
    ends = p.ends[members]

    def memberships(rels: npt.NDArray[np.int64]) -> tuple[list[int], zip[tuple[bytes, bytes, bytes]]]:
        """The networks' indices, and (member, network, basis) JSON of each membership."""
        rel_list, networks = rels.tolist(), p.ends[rels].tolist()
        parts = entities_json(at, p.starts[rels].tolist()), entities_json(at, networks), _bases_json(p, rel_list)
        return networks, zip(*parts, strict=True)

    _, without = memberships(members[owners[ends] == 0])
    unowned = json_list(b'{"member":%b,"network":%b,"basis":%b}' % parts for parts in without)
    by_network = owned[np.argsort(p.ends[owned], kind="stable")]  # each network's owning relations side by side
    first = np.searchsorted(p.ends[by_network], np.arange(len(p.keys) + 1))
    networks, only_inferred = memberships(members[(owners[ends] > 0) & (sure[ends] == 0)])
    owners_of = {  # many members share a network: its owners once (indices sort as keys)
        i: list_json(entities_json(at, sorted(set(p.starts[by_network[first[i] : first[i + 1]]].tolist()))))
        for i in set(networks)
    }
    inferred = json_list(
        b'{"member":%b,"network":%b,"basis":%b,"owners":%b,"owner_basis":%b}'
        % (member, network, basis, owners, _INFERRED_JSON)
        for (member, network, basis), owners in zip(only_inferred, look_up(owners_of, networks), strict=True)
    )
    return unowned, inferred
