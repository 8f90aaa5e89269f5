"""A briefing: one page on an entity, for someone preparing a visit or a meeting.

Who or what it is; how the home city is connected to it, grouped by meaning (memberships,
partnerships, initiatives, themes…), each connection with its verbatim quotes, section, basis
and dates; the contacts and how each was found; the open governance findings that concern it.
Everything comes from the other questions (`entity`, `contacts`, `governance`), so a briefing
says what they say. Contact fields (email, phone) are read only when the caller may see them
(`include_personal`), and dropped here again otherwise: a briefing for a reader never holds one.

The grouping of relation types comes from the schema (a relation type's `group`); a type the
schema does not know is `other`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from graph.model import Source
from graph.schema import Schema
from graph.store import GraphStore, NotFound
from questions.common import EntityRef
from questions.contacts import contacts
from questions.entity import entity
from questions.governance import governance

# The order of the groups on the page; a group the schema adds goes after these, by name.
GROUP_ORDER = (
    "membership",
    "partnership",
    "support",
    "funding",
    "sponsorship",
    "initiative",
    "theme",
    "organisation",
    "place",
    "contact",
    "other",
)
# How a contact was found, when the contacts answer does not say it itself: by the role of its relation.
FOUND_BY_ROLE = {
    "direct_contact": "direct",
    "membership_owner": "membership_owner",
    "role_holding": "role",
    "employment": "works_for",
}
# Governance answer fields that are not findings.
_NOT_FINDINGS = frozenset({"home", "as_of"})


class Connection(BaseModel):
    group: str
    type: str
    direction: str  # "out": the briefed entity is the start; "in": the other is
    other: EntityRef
    role: str | None = None
    basis: str = "stated"
    since: dt.date | None = None
    until: dt.date | None = None
    note: str | None = None
    sources: list[Source] = []
    is_home: bool = False  # the other end is the home city itself
    with_home: bool = False  # the home city is linked to the other end too


class ConnectionGroup(BaseModel):
    group: str
    connections: list[Connection]


class BriefingContact(BaseModel):
    person: EntityRef
    title_fi: str | None = None
    title_sv: str | None = None
    title_en: str | None = None
    relation: str
    role: str | None = None
    basis: str = "stated"
    target: str | None = None
    via: str | None = None
    found_by: str  # which step found the contact: the answer's own, or derived from how it is linked
    email: str | None = None
    phone: str | None = None


class Finding(BaseModel):
    check: str  # the governance answer's field: memberships_without_owner, partners_without_theme…
    subjects: list[EntityRef]  # the entities the finding names
    basis: str | None = None  # when the finding carries one (an owner that is only inferred)


class Briefing(BaseModel):
    key: str
    kind: str
    names: dict[str, str]  # language -> name, as stored
    aliases: list[str] = []
    descriptions: dict[str, str] = {}  # language -> description, as stored
    url: str | None = None
    properties: dict[str, Any] = {}
    sources: list[Source] = []
    home: EntityRef | None = None
    groups: list[ConnectionGroup]
    contacts: list[BriefingContact]
    includes_personal: bool
    findings: list[Finding]
    as_of: dt.date | None = None

    def name_record(self) -> dict[str, str]:
        """The key and the names as `display_name` reads them."""
        return {"key": self.key, **{f"name_{lang}": name for lang, name in self.names.items()}}


def relation_group(schema: Schema, rel_type: str) -> str:
    """The group a relation type belongs to (`group` in the schema); `other` for an unknown type."""
    spec = schema.relation_types.get(rel_type)
    return spec.group if spec is not None and spec.group else "other"


def group_rank(group: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(group), "") if group in GROUP_ORDER else (len(GROUP_ORDER), group)


def _names(props: dict[str, Any], prefix: str) -> dict[str, str]:
    return {
        lang: str(props[f"{prefix}_{lang}"])
        for lang in ("fi", "sv", "en")
        if isinstance(props.get(f"{prefix}_{lang}"), str) and props[f"{prefix}_{lang}"].strip()
    }


def _refs_in(value: Any) -> list[dict[str, Any]]:
    """Every entity reference (a mapping with `key` and `kind`) inside a dumped finding."""
    if isinstance(value, dict):
        if isinstance(value.get("key"), str) and isinstance(value.get("kind"), str):
            return [value]
        return [ref for item in value.values() for ref in _refs_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs_in(item)]
    return []


def _findings(store: GraphStore, key: str, home: str, as_of: dt.date | None) -> list[Finding]:
    """The governance findings that name the entity: every list in the answer, whatever its checks."""
    answer = governance(store, home=home, as_of=as_of).model_dump(mode="json")
    out: list[Finding] = []
    for check, items in answer.items():
        if check in _NOT_FINDINGS or not isinstance(items, list):
            continue
        for item in items:
            refs = _refs_in(item)
            if any(ref["key"] == key for ref in refs):
                basis = item.get("basis") if isinstance(item, dict) else None
                out.append(
                    Finding(
                        check=check,
                        subjects=[EntityRef.model_validate(ref) for ref in refs],
                        basis=basis if isinstance(basis, str) else None,
                    )
                )
    return out


def _found_by(contact: dict[str, Any], key: str, schema: Schema) -> str:
    for name in ("found_by", "step", "rule"):  # the contacts answer's own word, where it has one
        if isinstance(contact.get(name), str) and contact[name]:
            return str(contact[name])
    if contact.get("via"):
        return "via_owner"
    if contact.get("target") not in (None, key):
        return "subtheme"
    relation = str(contact.get("relation"))
    roles = schema.roles_of_type(relation)
    return next((word for role, word in FOUND_BY_ROLE.items() if role in roles), "linked")


def briefing(
    store: GraphStore,
    key: str,
    *,
    home: str = "helsinki",
    include_personal: bool = False,
    as_of: dt.date | None = None,
) -> Briefing:
    """`include_personal` is the caller's right to see email and phone (the `contacts` role)."""
    found = entity(store, key, as_of=as_of)  # a key, a name or an alias
    key = found.key
    try:
        home_entity = entity(store, home, as_of=as_of) if home != key else None
    except NotFound:
        home_entity = None
    home_others = (
        {r.other.key for group in home_entity.relations.values() for r in group} if home_entity is not None else set()
    )
    grouped: dict[str, list[Connection]] = {}
    for rel_type, relations in found.relations.items():
        group = relation_group(store.schema, rel_type)
        for rel in relations:
            grouped.setdefault(group, []).append(
                Connection(
                    group=group,
                    type=rel.type,
                    direction=rel.direction,
                    other=rel.other,
                    role=rel.role,
                    basis=rel.basis,
                    since=rel.since,
                    until=rel.until,
                    note=rel.note,
                    sources=rel.sources,
                    is_home=rel.other.key == home,
                    with_home=rel.other.key != home and rel.other.key in home_others,
                )
            )
    groups = [
        ConnectionGroup(
            group=name,
            # The home city's own relations first, then those it shares, then the rest.
            connections=sorted(
                members, key=lambda c: (not c.is_home, not c.with_home, c.type, c.other.key, c.role or "")
            ),
        )
        for name, members in sorted(grouped.items(), key=lambda item: group_rank(item[0]))
    ]
    answer = contacts(store, key, include_personal=include_personal, as_of=as_of)
    people = []
    listed: set[str] = set()
    for contact in answer.contacts:
        if contact.person.key in listed:  # a page lists people once, as the rule's first step found them
            continue
        listed.add(contact.person.key)
        data = contact.model_dump()
        personal = include_personal and answer.includes_personal
        people.append(
            BriefingContact(
                person=contact.person,
                title_fi=data.get("title_fi"),
                title_sv=data.get("title_sv"),
                title_en=data.get("title_en"),
                relation=contact.relation,
                role=contact.role,
                basis=contact.basis,
                target=contact.target,
                via=contact.via,
                found_by=_found_by(data, key, store.schema),
                email=contact.email if personal else None,
                phone=contact.phone if personal else None,
            )
        )
    props = dict(found.properties)
    return Briefing(
        key=found.key,
        kind=found.kind,
        names=_names(
            {"name_fi": found.name_fi, "name_sv": getattr(found, "name_sv", None), "name_en": found.name_en, **props},
            "name",
        ),
        aliases=found.aliases,
        descriptions=_names(props, "description"),
        url=props.get("url"),
        properties={
            k: v for k, v in props.items() if not k.startswith(("name_", "description_")) and k not in {"url", "basis"}
        },
        sources=found.sources,
        home=(
            EntityRef(
                key=home_entity.key, kind=home_entity.kind, name_fi=home_entity.name_fi, name_en=home_entity.name_en
            )
            if home_entity is not None
            else None
        ),
        groups=groups,
        contacts=people,
        includes_personal=include_personal and answer.includes_personal,
        findings=_findings(store, key, home, as_of),
        as_of=as_of,
    )
