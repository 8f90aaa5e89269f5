"""Contacts: the people linked to an entity or a theme, and how. Personal fields only on request.

A person is a contact when they work for, are the contact for, own the membership of, or hold a
role in the entity; for a network whose membership an organisation owns, the people of that
organisation are contacts too (`via`). For a theme, contacts of its sub-themes count (`target`).
Email and phone are on ContactCard nodes and are read by a separate statement only when the
caller may see them; otherwise they are None.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef, holds
from questions.reads import require
from questions.themes import THEME, theme_closure

# CONTACT_FOR first: it answers "who is our contact for …"; then the owner, roles, employment.
ORDER = {"CONTACT_FOR": 0, "OWNS_MEMBERSHIP": 1, "HOLDS_ROLE": 2, "WORKS_FOR": 3}


class Contact(BaseModel):
    person: EntityRef
    title_fi: str | None = None
    title_en: str | None = None
    relation: str  # WORKS_FOR, CONTACT_FOR, OWNS_MEMBERSHIP or HOLDS_ROLE
    role: str | None = None
    basis: str = "stated"
    since: dt.date | None = None
    until: dt.date | None = None
    target: str | None = None  # what the person is linked to: the key asked for, or a sub-theme of it
    via: str | None = None  # the organisation owning the membership, when linked through it
    email: str | None = None
    phone: str | None = None


class ContactsAnswer(BaseModel):
    key: str
    contacts: list[Contact]
    includes_personal: bool


def contacts(
    store: GraphStore, key: str, *, include_personal: bool = False, as_of: dt.date | None = None
) -> ContactsAnswer:
    """`include_personal` is the caller's right to see email and phone; the API decides it by role."""
    found = require(store, [key])[key]
    targets = sorted(theme_closure(store, [key], as_of)[key]) if found.kind == THEME else [key]
    rows = store.read("q_contacts", {"keys": targets}) + store.read("q_contacts_via_owner", {"keys": targets})
    people = [
        Contact(
            person=EntityRef(key=row["key"], kind="Person", name_fi=row["name_fi"], name_en=row["name_en"]),
            title_fi=row["title_fi"],
            title_en=row["title_en"],
            relation=row["type"],
            role=row["props"].get("role"),
            basis=row["props"].get("basis", "stated"),
            since=row["props"].get("since"),
            until=row["props"].get("until"),
            target=row["target"],
            via=row["via"],
        )
        for row in rows
        if holds(row["props"], as_of) and holds({"since": row["via_since"], "until": row["via_until"]}, as_of)
    ]
    if include_personal and people:
        cards = {r["key"]: r for r in store.read("q_contact_details", {"keys": sorted({c.person.key for c in people})})}
        for contact in people:
            card = cards.get(contact.person.key)
            if card:
                contact.email, contact.phone = card["email"], card["phone"]
    # Direct links before links through an owner or a sub-theme, then by relation and person.
    people.sort(
        key=lambda c: (
            c.via is not None,
            c.target != key,
            ORDER.get(c.relation, 9),
            c.person.key,
            c.target or "",
            c.via or "",
            c.role or "",
            c.since or dt.date.min,
        )
    )
    return ContactsAnswer(key=key, contacts=people, includes_personal=include_personal)
