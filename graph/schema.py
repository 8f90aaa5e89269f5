"""The domain model as data: `schema.yaml` loaded, checked and made queryable.

Nothing else in partnergraph names a node kind or relation type on its own: code asks for a role
(`Schema.types_with_role("theme_link")`, `Schema.kind_with_role("theme")`), importers read names
through `Schema.resolve_kind()` / `Schema.resolve_type()` (names, synonyms, sheet names), pages
show `label`s, and `tests/test_schema_literals.py` fails on a kind or type name in a literal outside
`graph/`. Labels and relation types reach Cypher only after `Schema.label()` /
`Schema.relation_type()` have accepted them, so a user-supplied string can never become part of a
statement.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")
PROPERTY_TYPES = frozenset({"string", "text", "string[]", "integer", "float", "boolean", "date", "url", "email"})
# Neo4j identifiers we are willing to splice into Cypher: plain ASCII words only.
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ENTITY_LABEL = "Entity"
CONTACT_LABEL = "ContactCard"
# Spreadsheet sheets and columns that are not node kinds or properties (see `spreadsheet:` in schema.yaml).
SHEET_ROLES = ("entities", "relations", "contacts", "sources")
SHEET_COLUMNS = (
    "kind",
    "start",
    "type",
    "end",
    "record",
    "document",
    "section",
    "quote",
    "sentence",
    "entered_by",
    "entered_on",
    "source_note",
)
LANGUAGES = ("fi", "sv", "en")
_ROLE = re.compile(r"^[a-z][a-z0-9_]*$")


class SchemaError(ValueError):
    """The schema file itself is inconsistent; raised at load time, never at query time."""


@dataclass(frozen=True)
class PropertySpec:
    name: str
    type: str
    required: bool = False
    personal: bool = False
    enum: tuple[str, ...] | None = None
    default: Any = None
    description: str = ""


@dataclass(frozen=True)
class NodeKind:
    name: str
    description: str
    colour: str
    shape: str
    properties: dict[str, PropertySpec]
    actor: bool = False  # cities, organisations, networks act; initiatives (laws, strategies) and themes do not
    label: str = ""  # the English word pages show (a msgid of the catalogues); the name when not declared
    synonyms: tuple[str, ...] = ()  # other names importers accept

    @property
    def personal_properties(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties.values() if p.personal)


@dataclass(frozen=True)
class RelationType:
    name: str
    description: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    symmetric: bool = False
    line: str = "solid"
    group: str = "other"  # what the relation means (membership, partnership, support…): `relation_groups`
    label: str = ""  # the English words pages show (a msgid of the catalogues); the name when not declared
    colour: str | None = None  # of its lines on maps; None: the maps' default
    synonyms: tuple[str, ...] = ()  # other names importers accept

    def allows(self, start_kind: str, end_kind: str) -> bool:
        if start_kind in self.sources and end_kind in self.targets:
            return True
        return self.symmetric and end_kind in self.sources and start_kind in self.targets


def fold_name(text: str) -> str:
    """How sheet and column names match: case, accents and space/hyphen/underscore ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[\s_\-]+", plain.strip()))


@dataclass(frozen=True)
class SpreadsheetSpec:
    """Sheet and column names for workbooks: declared name -> the other names accepted (fi/sv/en)."""

    sheets: dict[str, tuple[str, ...]]
    columns: dict[str, tuple[str, ...]]
    descriptions: dict[str, str]  # of the columns that are not properties

    def sheet_for(self, name: str) -> str | None:
        """The node kind or sheet role a sheet name means, or None."""
        return _lookup(self.sheets, name)

    def column_for(self, name: str) -> str | None:
        """The property or sheet column a header means, or None."""
        return _lookup(self.columns, name)


def _lookup(names: dict[str, tuple[str, ...]], text: str) -> str | None:
    folded = fold_name(text)
    for declared, others in names.items():
        if folded == fold_name(declared) or folded in (fold_name(o) for o in others):
            return declared
    return None


@dataclass(frozen=True)
class CaptionRule:
    """How an entity is named: the name property of each language, and the languages tried after
    the one asked for (`captions:` in schema.yaml)."""

    names: dict[str, str]
    fallback: tuple[str, ...]

    def languages(self, lang: str) -> tuple[str, ...]:
        return (lang, *self.fallback)


DEFAULT_CAPTIONS = CaptionRule({lang: f"name_{lang}" for lang in LANGUAGES}, ("fi", "en", "sv"))


@dataclass(frozen=True, eq=False)  # identity hash: schemas key per-schema caches
class Schema:
    version: int
    node_properties: dict[str, PropertySpec]
    relation_properties: dict[str, PropertySpec]
    node_kinds: dict[str, NodeKind]
    relation_types: dict[str, RelationType]
    spreadsheet: SpreadsheetSpec = field(default_factory=lambda: SpreadsheetSpec({}, {}, {}))
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    relation_groups: dict[str, str] = field(default_factory=dict)  # group -> description, in declaration order
    group_labels: dict[str, str] = field(default_factory=dict)  # group -> the English heading pages show
    kind_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> node kinds, in order
    relation_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> relation types, in order
    captions: CaptionRule = DEFAULT_CAPTIONS

    @property
    def actor_kinds(self) -> frozenset[str]:
        """The kinds that count as actors (partners): declared `actor: true`."""
        return frozenset(name for name, kind in self.node_kinds.items() if kind.actor)

    def types_of_group(self, group: str) -> tuple[str, ...]:
        """The relation types of one group (membership, partnership, support…), in declaration order."""
        return tuple(name for name, rel in self.relation_types.items() if rel.group == group)

    def types_with_role(self, role: str) -> tuple[str, ...]:
        """The relation types declared for a role (`relation_roles:`), in the declared order."""
        return _role(self.relation_roles, role, "relation role")

    def type_with_role(self, role: str) -> str:
        """The one relation type of a role; KeyError when the role names none or several."""
        return _one(self.types_with_role(role), f"relation role {role!r}")

    def kinds_with_role(self, role: str) -> tuple[str, ...]:
        """The node kinds declared for a role (`kind_roles:`), in the declared order."""
        return _role(self.kind_roles, role, "kind role")

    def kind_with_role(self, role: str) -> str:
        """The one node kind of a role (`kind_with_role("theme")`); KeyError when none or several."""
        return _one(self.kinds_with_role(role), f"kind role {role!r}")

    def roles_of_type(self, name: str) -> tuple[str, ...]:
        """The roles a relation type plays."""
        return tuple(role for role, types in self.relation_roles.items() if name in types)

    def kind_label(self, kind: str) -> str:
        """The English word for a kind (a msgid: translate it); the name itself for an unknown kind."""
        spec = self.node_kinds.get(kind)
        return spec.label if spec is not None and spec.label else kind

    def relation_label(self, name: str) -> str:
        """The English words for a relation type (a msgid: translate it); the name for an unknown type."""
        spec = self.relation_types.get(name)
        return spec.label if spec is not None and spec.label else name

    def resolve_kind(self, text: str) -> str | None:
        """The node kind `text` names: a kind, one of its synonyms or its sheet names, with case,
        accents and spaces/hyphens/underscores ignored; None when it names none."""
        return _resolve(text, self._kind_names)

    def resolve_type(self, text: str) -> str | None:
        """The relation type `text` names (`member of`, `member-of`, a synonym such as `membership`);
        None when it names none."""
        return _resolve(text, self._type_names)

    @property
    def _kind_names(self) -> dict[str, str]:
        return _names_of(self, "kinds")

    @property
    def _type_names(self) -> dict[str, str]:
        return _names_of(self, "types")

    def label(self, kind: str) -> str:
        """The Cypher label for a node kind; refuses anything not declared."""
        if kind not in self.node_kinds:
            raise KeyError(f"unknown node kind {kind!r}; declared: {', '.join(self.node_kinds)}")
        return kind

    def relation_type(self, name: str) -> str:
        """The Cypher relation type; refuses anything not declared."""
        if name not in self.relation_types:
            raise KeyError(f"unknown relation type {name!r}; declared: {', '.join(self.relation_types)}")
        return name

    def kind_properties(self, kind: str) -> dict[str, PropertySpec]:
        """Common node properties plus the kind's own."""
        return {**self.node_properties, **self.node_kinds[kind].properties}

    @property
    def personal_property_names(self) -> frozenset[str]:
        return frozenset(p for k in self.node_kinds.values() for p in k.personal_properties)


def _role(roles: dict[str, tuple[str, ...]], role: str, what: str) -> tuple[str, ...]:
    if role not in roles:
        raise KeyError(f"no {what} {role!r} in the schema; declared: {', '.join(roles)}")
    return roles[role]


def _one(names: tuple[str, ...], what: str) -> str:
    if len(names) != 1:
        raise KeyError(f"{what} names {len(names)} entries, expected exactly one: {', '.join(names)}")
    return names[0]


def _resolve(text: str, names: dict[str, str]) -> str | None:
    return names.get(fold_name(text)) if isinstance(text, str) else None


@cache
def _names_of(schema: Schema, what: str) -> dict[str, str]:
    """Folded name -> kind (or relation type): the names, synonyms and (kinds) sheet names."""
    if what == "kinds":
        entries = {k: (*spec.synonyms, *schema.spreadsheet.sheets.get(k, ())) for k, spec in schema.node_kinds.items()}
    else:
        entries = {t: spec.synonyms for t, spec in schema.relation_types.items()}
    return {fold_name(name): declared for declared, others in entries.items() for name in (declared, *others)}


def _property_specs(raw: dict[str, Any] | None, where: str) -> dict[str, PropertySpec]:
    specs: dict[str, PropertySpec] = {}
    for name, declared in (raw or {}).items():
        body = declared or {}
        if not _IDENTIFIER.match(name):
            raise SchemaError(f"{where}: property name {name!r} is not a plain identifier")
        ptype = body.get("type", "string")
        if ptype not in PROPERTY_TYPES:
            raise SchemaError(f"{where}.{name}: unknown type {ptype!r}")
        enum = body.get("enum")
        specs[name] = PropertySpec(
            name=name,
            type=ptype,
            required=bool(body.get("required", False)),
            personal=bool(body.get("personal", False)),
            enum=tuple(enum) if enum else None,
            default=body.get("default"),
            description=body.get("description", ""),
        )
    return specs


def parse_schema(raw: dict[str, Any]) -> Schema:
    """Build and check a Schema from the YAML structure; every inconsistency is a SchemaError."""
    node_props = _property_specs(raw.get("node_properties"), "node_properties")
    rel_props = _property_specs(raw.get("relation_properties"), "relation_properties")
    kinds: dict[str, NodeKind] = {}
    for name, body in (raw.get("node_kinds") or {}).items():
        if not _IDENTIFIER.match(name) or name in (ENTITY_LABEL, CONTACT_LABEL):
            raise SchemaError(f"node kind {name!r} is not a usable label")
        own = _property_specs(body.get("properties"), f"node_kinds.{name}")
        clash = set(own) & set(node_props)
        if clash:
            raise SchemaError(f"node_kinds.{name}: redeclares common properties {sorted(clash)}")
        kinds[name] = NodeKind(
            name=name,
            description=body.get("description", ""),
            colour=body.get("colour", "#777777"),
            shape=body.get("shape", "dot"),
            properties=own,
            actor=bool(body.get("actor", False)),
            label=_text(body, "label", f"node_kinds.{name}"),
            synonyms=_synonyms(body, f"node_kinds.{name}"),
        )
    raw_groups = raw.get("relation_groups") or {}
    groups = {str(g): str((b or {}).get("description", "")) for g, b in raw_groups.items()}
    group_labels = {str(g): _text(b or {}, "label", f"relation_groups.{g}") for g, b in raw_groups.items()}
    rels: dict[str, RelationType] = {}
    for name, body in (raw.get("relation_types") or {}).items():
        if not re.match(r"^[A-Z][A-Z0-9_]*$", name):
            raise SchemaError(f"relation type {name!r} must be UPPER_SNAKE_CASE")
        ends = (tuple(body.get("from") or ()), tuple(body.get("to") or ()))
        for end in ends:
            if not end:
                raise SchemaError(f"relation_types.{name}: from/to must list node kinds")
            unknown = [k for k in end if k not in kinds]
            if unknown:
                raise SchemaError(f"relation_types.{name}: unknown node kinds {unknown}")
        rels[name] = RelationType(
            name=name,
            description=body.get("description", ""),
            sources=ends[0],
            targets=ends[1],
            symmetric=bool(body.get("symmetric", False)),
            line=body.get("line", "solid"),
            group=body.get("group", "other"),
            label=_text(body, "label", f"relation_types.{name}"),
            colour=_text(body, "colour", f"relation_types.{name}") or None,
            synonyms=_synonyms(body, f"relation_types.{name}"),
        )
        if groups and "group" in body and rels[name].group not in groups:
            raise SchemaError(
                f"relation_types.{name}: group {rels[name].group!r} is not declared; declared: {', '.join(groups)}"
            )
    if not kinds or not rels:
        raise SchemaError("the schema declares no node kinds or no relation types")
    if "key" not in node_props or not node_props["key"].required:
        raise SchemaError("node_properties must declare a required 'key'")
    spreadsheet = _spreadsheet(raw.get("spreadsheet") or {}, kinds, node_props, rel_props)
    _unique({k: (*spec.synonyms, *spreadsheet.sheets.get(k, ())) for k, spec in kinds.items()}, "node_kinds synonyms")
    _unique({t: spec.synonyms for t, spec in rels.items()}, "relation_types synonyms")
    return Schema(
        int(raw.get("version", 1)),
        node_props,
        rel_props,
        kinds,
        rels,
        spreadsheet,
        raw,
        groups,
        group_labels={g: label for g, label in group_labels.items() if label},
        kind_roles=_roles(raw.get("kind_roles"), "kind_roles", "node kind", kinds),
        relation_roles=_roles(raw.get("relation_roles"), "relation_roles", "relation type", rels),
        captions=_captions(raw.get("captions"), node_props),
    )


def _text(body: Mapping[str, Any], name: str, where: str) -> str:
    """An optional one-line text entry (label, colour)."""
    value = body.get(name, "")
    if not isinstance(value, str):
        raise SchemaError(f"{where}.{name}: expected a text, got {value!r}")
    return value


def _synonyms(body: Mapping[str, Any], where: str) -> tuple[str, ...]:
    names = body.get("synonyms") or []
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise SchemaError(f"{where}.synonyms: expected a list of names")
    return tuple(names)


def _roles(raw: Any, where: str, what: str, declared: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """`kind_roles:` / `relation_roles:`: role -> a name or a list of names, each declared."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: expected a mapping of role -> {what}s")
    roles: dict[str, tuple[str, ...]] = {}
    for role, names in raw.items():
        if not isinstance(role, str) or not _ROLE.match(role):
            raise SchemaError(f"{where}: role name {role!r} is not lower_snake_case")
        listed = [names] if isinstance(names, str) else names
        if not isinstance(listed, list) or not listed:
            raise SchemaError(f"{where}.{role}: expected a {what} or a non-empty list of them")
        unknown = [n for n in listed if n not in declared]
        if unknown:
            raise SchemaError(f"{where}.{role}: unknown {what} {unknown[0]!r}; declared: {', '.join(declared)}")
        if len(set(listed)) != len(listed):
            raise SchemaError(f"{where}.{role}: lists a {what} twice")
        roles[role] = tuple(listed)
    return roles


def _captions(raw: Any, node_props: Mapping[str, PropertySpec]) -> CaptionRule:
    """`captions:`: the name property of each language and the fallback order."""
    if raw is None:
        return DEFAULT_CAPTIONS
    names = raw.get("names") if isinstance(raw, dict) else None
    fallback = raw.get("fallback") if isinstance(raw, dict) else None
    if not isinstance(names, dict) or not isinstance(fallback, list):
        raise SchemaError("captions: expected `names` (language -> property) and `fallback` (a list of languages)")
    for lang, prop in names.items():
        if prop not in node_props:
            raise SchemaError(f"captions.names.{lang}: {prop!r} is not a node property")
    unknown = [lang for lang in fallback if lang not in names]
    if unknown:
        raise SchemaError(f"captions.fallback: language {unknown[0]!r} has no name property in captions.names")
    return CaptionRule({str(k): str(v) for k, v in names.items()}, tuple(fallback))


def _names(body: Any, where: str) -> tuple[str, ...]:
    """The fi/sv/en names of one sheet or column entry."""
    if not isinstance(body, dict):
        raise SchemaError(f"{where}: expected a mapping of fi/sv/en names")
    unknown = set(body) - {*LANGUAGES, "description"}
    if unknown:
        raise SchemaError(f"{where}: unknown entries {sorted(unknown)}; expected {', '.join(LANGUAGES)}, description")
    out: list[str] = []
    for language in LANGUAGES:
        names = body.get(language) or []
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise SchemaError(f"{where}.{language}: expected a list of names")
        out += names
    return tuple(out)


def _unique(names: dict[str, tuple[str, ...]], where: str) -> None:
    """Each name, folded, means one declared sheet or column only."""
    meaning: dict[str, str] = {}
    for declared, others in names.items():
        for name in (declared, *others):
            folded = fold_name(name)
            if meaning.setdefault(folded, declared) != declared:
                raise SchemaError(f"{where}: {name!r} would mean both {meaning[folded]!r} and {declared!r}")


def _spreadsheet(
    raw: dict[str, Any],
    kinds: dict[str, NodeKind],
    node_props: dict[str, PropertySpec],
    rel_props: dict[str, PropertySpec],
) -> SpreadsheetSpec:
    sheets: dict[str, tuple[str, ...]] = {name: () for name in (*kinds, *SHEET_ROLES)}
    for name, body in (raw.get("sheets") or {}).items():
        if name not in sheets:
            raise SchemaError(f"spreadsheet.sheets.{name}: neither a node kind nor one of {', '.join(SHEET_ROLES)}")
        sheets[name] = _names(body, f"spreadsheet.sheets.{name}")
    properties = {*node_props, *rel_props, *(p for k in kinds.values() for p in k.properties)}
    columns: dict[str, tuple[str, ...]] = {name: () for name in (*sorted(properties), *SHEET_COLUMNS)}
    descriptions: dict[str, str] = {}
    for name, body in (raw.get("columns") or {}).items():
        if name not in columns:
            raise SchemaError(f"spreadsheet.columns.{name}: neither a property nor one of {', '.join(SHEET_COLUMNS)}")
        columns[name] = _names(body, f"spreadsheet.columns.{name}")
        if body.get("description"):
            descriptions[name] = str(body["description"])
    _unique(sheets, "spreadsheet.sheets")
    _unique(columns, "spreadsheet.columns")
    return SpreadsheetSpec(sheets, columns, descriptions)


def display_name(entity: Any, lang: str = "en", schema: Schema | None = None) -> str:
    """An entity's name in `lang` (fi, sv, en), else in the languages of the schema's caption rule
    (`captions:`: fi, en, sv), else its key. A name of only spaces is no name.

    `entity` is a mapping (stored properties, a snapshot's node data) or an object with `name_fi`,
    `name_sv`, `name_en` and `key` attributes (records, answers). The one place names fall back.
    """

    def get(name: str) -> Any:
        return entity.get(name) if isinstance(entity, Mapping) else getattr(entity, name, None)

    rule = (schema or load_schema()).captions
    for language in rule.languages(lang):
        prop = rule.names.get(language)
        value = get(prop) if prop else None
        if isinstance(value, str) and value.strip():
            return value
    return str(get("key") or "")


@cache
def load_schema(path: Path = SCHEMA_PATH) -> Schema:
    """The schema, read and checked once per process."""
    with path.open(encoding="utf-8") as handle:
        return parse_schema(yaml.safe_load(handle))
