"""Contacts: who handles an entity or a theme for the city, by one rule, and how each was found.

The rule is the same for every entity (a city, a network, an organisation, a theme), in steps:

1. `direct`: people linked to it directly: its contact (CONTACT_FOR), the person owning its
   membership (OWNS_MEMBERSHIP), people holding a role in it or working for it. For a theme,
   the links of its sub-themes count too (`target`).
2. `membership_owner`: the people of the unit that owns its membership (OWNS_MEMBERSHIP from an
   organisation), for a network the city belongs to (`via`: the owner).
3. `leading_unit`: only when the steps above found no one: the people leading (else working for,
   or holding a role in) the unit that coordinates the home city's international relations
   (COORDINATES; `via`: that unit). Always `inferred`: the rule, not a source, links them.

Each contact says its `step`, the relation that links the person (`relation`), and its `basis`:
`inferred` when any link on the way is (the owner's, the coordinator's or the person's own).
Email and phone live on ContactCard nodes and are read by a separate statement only when the
caller may see them; otherwise they are None.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel

from graph.schema import Schema
from graph.store import GraphStore
from questions.common import EntityRef, holds
from questions.resolve import Resolution, resolve
from questions.themes import theme_closure

HOME = "helsinki"  # the document's city: the one whose coordinating unit is the last step
Step = Literal["direct", "membership_owner", "leading_unit"]
STEPS: tuple[Step, ...] = ("direct", "membership_owner", "leading_unit")
# The order of the schema's `contact` role: CONTACT_FOR first, as it answers "who is our contact
# for …"; then the owner, leaders, roles, employment.
CONTACT_ROLE = "contact"


class Contact(BaseModel):
    person: EntityRef
    title_fi: str | None = None
    title_en: str | None = None
    step: Step = "direct"  # which step of the contact rule found the person
    relation: str  # how the person is linked: CONTACT_FOR, OWNS_MEMBERSHIP, LEADS, HOLDS_ROLE or WORKS_FOR
    role: str | None = None
    basis: str = "stated"  # inferred when the person's link or the link through `via` is inferred
    since: dt.date | None = None
    until: dt.date | None = None
    target: str | None = None  # what the person is linked to: the key asked for, a sub-theme of it, or the home
    via: str | None = None  # the unit owning the membership, or the coordinating unit
    via_relation: str | None = None  # OWNS_MEMBERSHIP or COORDINATES: how `via` is linked
    via_basis: str | None = None  # stated or inferred: the basis of that link
    email: str | None = None
    phone: str | None = None


class ContactsAnswer(BaseModel):
    key: str
    contacts: list[Contact]
    includes_personal: bool
    found_by: Step | None = None  # the first step of the rule that found someone; None: no one
    resolved: Resolution | None = None  # how the key, name or alias asked for was read


def contacts(
    store: GraphStore,
    key: str,
    *,
    include_personal: bool = False,
    as_of: dt.date | None = None,
    home: str = HOME,
) -> ContactsAnswer:
    """`key`: a key, a name or an alias. `include_personal` is the caller's right to see email and
    phone; the API decides it by role. `home`: the city whose coordinating unit is the last step."""
    schema = store.schema
    read_rows: list[dict[str, Any]] = []

    def read(keys: list[str]) -> dict[str, EntityRef]:
        """The entities among `keys` (the read's `self` rows) and their contacts: a key resolves
        and finds its contacts in one statement."""
        read_rows[:] = store.read("q_contacts", {"keys": keys})
        return {r["key"]: _entity(r) for r in read_rows if r["step"] == "self"}

    resolution = resolve(store, key, refs=read)
    found = resolution.entity
    key = found.key
    is_theme = found.kind == schema.kind_with_role("theme")
    rows = [r for r in read_rows if r["step"] != "self" and r["target"] == key]
    if is_theme or not any(r["step"] == "self" and r["key"] == key for r in read_rows):
        # A theme's contacts are its sub-themes' too; a name or alias was read as a key only now.
        targets = sorted(theme_closure(store, [key], as_of)[key]) if is_theme else [key]
        rows = [r for r in store.read("q_contacts", {"keys": targets}) if r["step"] != "self"]
    found_rows = [_contact(schema, row, row["step"]) for row in rows]
    people = [c for c, row in found_rows if _holds(row, as_of)]
    if not people:
        leaders = [_leader(schema, row) for row in store.read("q_contacts_via_coordinator", {"home": home})]
        unit = [c for c, row in leaders if _holds(row, as_of)]
        leading = schema.types_with_role("leading")
        people = [c for c in unit if c.relation in leading] or unit
    if include_personal and people:
        cards = {r["key"]: r for r in store.read("q_contact_details", {"keys": sorted({c.person.key for c in people})})}
        for contact in people:
            card = cards.get(contact.person.key)
            if card:
                contact.email, contact.phone = card["email"], card["phone"]
    # By step; direct links to the entity before links to a sub-theme; then by relation and person.
    order = {name: n for n, name in enumerate(schema.types_with_role(CONTACT_ROLE))}
    people.sort(
        key=lambda c: (
            STEPS.index(c.step),
            c.target != key,
            order.get(c.relation, 9),
            c.person.key,
            c.target or "",
            c.via or "",
            c.role or "",
            c.since or dt.date.min,
        )
    )
    return ContactsAnswer(
        key=key,
        contacts=people,
        includes_personal=include_personal,
        found_by=people[0].step if people else None,
        resolved=resolution,
    )


def _entity(row: dict[str, Any]) -> EntityRef:
    """A `self` row of q_contacts: the entity asked about (its kind in `type`)."""
    return EntityRef(key=row["key"], kind=row["type"], name_fi=row["name_fi"], name_en=row["name_en"],
                     name_sv=row["name_sv"])  # fmt: skip


def _holds(row: dict[str, Any], as_of: dt.date | None) -> bool:
    return holds(row["props"], as_of) and holds({"since": row["via_since"], "until": row["via_until"]}, as_of)


def _contact(schema: Schema, row: dict[str, Any], step: Step) -> tuple[Contact, dict[str, Any]]:
    props = row["props"]
    via_basis = row.get("via_basis") or ("stated" if row["via"] else None)
    basis = "inferred" if "inferred" in (props.get("basis", "stated"), via_basis) else "stated"
    return (
        Contact(
            person=EntityRef(
                key=row["key"],
                kind=schema.kind_with_role("person"),
                name_fi=row["name_fi"],
                name_en=row["name_en"],
                name_sv=row["name_sv"],
            ),
            title_fi=row["title_fi"],
            title_en=row["title_en"],
            step=step,
            relation=row["type"],
            role=props.get("role"),
            basis=basis,
            since=props.get("since"),
            until=props.get("until"),
            target=row["target"],
            via=row["via"],
            via_relation=schema.type_with_role("membership_owner") if row["via"] else None,
            via_basis=via_basis,
        ),
        row,
    )


def _leader(schema: Schema, row: dict[str, Any]) -> tuple[Contact, dict[str, Any]]:
    contact, _ = _contact(schema, row, "leading_unit")
    contact.basis = "inferred"  # the rule links them, not a source
    contact.via_relation = schema.type_with_role("coordination")
    return contact, row
