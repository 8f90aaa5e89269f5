"""Contacts: the people linked to an entity or a theme, and how. Personal fields only on request."""

from __future__ import annotations

from pydantic import BaseModel

from graph.store import GraphStore
from questions.common import EntityRef, NotFound


class Contact(BaseModel):
    person: EntityRef
    title_fi: str | None = None
    title_en: str | None = None
    relation: str  # WORKS_FOR, CONTACT_FOR, OWNS_MEMBERSHIP or HOLDS_ROLE
    role: str | None = None
    basis: str = "stated"
    via: str | None = None  # the organisation owning the membership, when linked through it
    email: str | None = None
    phone: str | None = None


class ContactsAnswer(BaseModel):
    key: str
    contacts: list[Contact]
    includes_personal: bool


def contacts(store: GraphStore, key: str, *, include_personal: bool = False) -> ContactsAnswer:
    """`include_personal` is the caller's right to see email and phone; the API decides it by role."""
    if not store.read("q_entity", {"key": key}):
        raise NotFound(f"no entity with key {key!r}")
    rows = store.read("q_contacts", {"key": key}) + store.read("q_contacts_via_owner", {"key": key})
    found = [
        Contact(
            person=EntityRef(key=row["key"], kind="Person", name_fi=row["name_fi"], name_en=row["name_en"]),
            title_fi=row["title_fi"],
            title_en=row["title_en"],
            relation=row["type"],
            role=row["props"].get("role"),
            basis=row["props"].get("basis", "stated"),
            via=row["via"],
        )
        for row in rows
    ]
    if include_personal and found:
        details = {
            r["key"]: r for r in store.read("q_contact_details", {"keys": sorted({c.person.key for c in found})})
        }
        for contact in found:
            card = details.get(contact.person.key)
            if card:
                contact.email, contact.phone = card["email"], card["phone"]
    # Direct links before links through an owner; CONTACT_FOR first: it is the answer to "who is our contact".
    order = {"CONTACT_FOR": 0, "OWNS_MEMBERSHIP": 1, "HOLDS_ROLE": 2, "WORKS_FOR": 3}
    found.sort(key=lambda c: (c.via is not None, order.get(c.relation, 9), c.person.key, c.via or ""))
    return ContactsAnswer(key=key, contacts=found, includes_personal=include_personal)
