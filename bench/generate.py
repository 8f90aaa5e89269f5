"""A seeded synthetic partnergraph with the real schema and a realistic shape.

Shape (fractions of the node count n): ~10 % cities grouped by country and world region, ~0.4 %
networks, ~34 % organisations (more in big cities), ~44 % people (more in big organisations),
~6 % initiatives and ~0.6 % themes (top-level themes with sub-themes). Degrees are heavy-tailed:
network popularity, partnerships (preferential attachment), themes and organisation sizes all
follow rich-get-richer or Zipf laws, so a few hubs (the first city, "Helsinki", the biggest
networks) have hundreds or thousands of links while most nodes have a handful. Relations come to
about 4 per node (3.8–3.9 measured).

Records are built with the model constructors (fast: 10^5 nodes and ~450k relations in seconds);
`tests/test_bench_generator.py` re-parses them through `parse_node` / `parse_relation` and
`check_batch` to prove they are exactly what the validating loaders would produce.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from graph.model import Batch, NodeRecord, RelationRecord, Source, relation_key
from graph.schema import Schema, load_schema

# The kinds and relation types the generator makes, by their role in the schema (it names none).
_SCHEMA = load_schema()
THEME, NETWORK, CITY, INITIATIVE, ORGANISATION, PERSON = (
    _SCHEMA.kind_with_role(role) for role in ("theme", "network", "city", "initiative", "organisation", "person")
)
SUBTHEME_OF = _SCHEMA.type_with_role("sub_theme")
TOUCHES = _SCHEMA.type_with_role("works_on")
MEMBER_OF = _SCHEMA.type_with_role("membership")
LOCATED_IN = _SCHEMA.type_with_role("location")
KEY_ACTOR_FOR = _SCHEMA.type_with_role("key_actor")
PART_OF = _SCHEMA.type_with_role("hierarchy")
PARTNER_OF = _SCHEMA.type_with_role("partnership")
LEADS = _SCHEMA.type_with_role("leading")
PARTICIPATES_IN = _SCHEMA.type_with_role("participation")
WORKS_FOR = _SCHEMA.type_with_role("employment")
HOLDS_ROLE = _SCHEMA.type_with_role("role_holding")
CONTACT_FOR = _SCHEMA.type_with_role("direct_contact")
OWNS_MEMBERSHIP = _SCHEMA.type_with_role("membership_owner")
COORDINATES = _SCHEMA.type_with_role("coordination")
SUPPORTS = _SCHEMA.type_with_role("support")

REGIONS = (
    "Nordics",
    "Baltics",
    "Western Europe",
    "Central Europe",
    "Southern Europe",
    "Eastern Europe",
    "North America",
    "Latin America",
    "Asia",
    "Middle East",
    "Africa",
    "Oceania",
)
SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "sen",
    "tu",
    "vi",
    "no",
    "ber",
    "lin",
    "ta",
    "hel",
    "sin",
    "ki",
    "var",
    "do",
    "mo",
    "stra",
    "pe",
    "gen",
    "ri",
    "ga",
    "an",
    "to",
    "bu",
    "dor",
    "el",
    "ma",
    "nu",
    "os",
    "ly",
    "ze",
)
FI_CASES = ("n", "ssa", "sta", "an", "lla", "lle")
ORG_TYPES = (
    "city_unit",
    "city_company",
    "company",
    "foundation",
    "public_body",
    "education",
    "culture",
    "event",
    "other",
)
ORG_WORDS = ("Agency", "Foundation", "University", "Institute", "Company", "Office", "Centre", "Association", "Lab")
NETWORK_SCOPES = ("global", "european", "nordic", "sectoral", "baltic")
INITIATIVE_TYPES = ("programme", "project", "challenge", "agreement", "event", "strategy", "other")
TOP_THEME_TYPES = ("megatrend", "focus_area", "goal")
TITLES = (("pormestari", "mayor"), ("johtaja", "director"), ("asiantuntija", "specialist"), ("päällikkö", "head"))
ROLES = (None, None, None, "founding member", "lead city", "board member")

# Fractions of n per kind (people take the rest).
FRACTIONS = {THEME: 0.006, NETWORK: 0.004, CITY: 0.10, INITIATIVE: 0.06, ORGANISATION: 0.34}
MIN_COUNTS = {THEME: 12, NETWORK: 5, CITY: 20, INITIATIVE: 10, ORGANISATION: 40}
PREFIX = {
    THEME: "theme",
    NETWORK: "net",
    CITY: "city",
    INITIATIVE: "init",
    ORGANISATION: "org",
    PERSON: "person",
}


@dataclass
class Synthetic:
    """One generated graph: the batch to load plus what benchmarks need to pick parameters."""

    batch: Batch
    seed: int
    keys: dict[str, list[str]] = field(default_factory=dict)  # node keys by kind, in generation order
    words: list[str] = field(default_factory=list)  # name fragments that occur in names (search terms)

    @property
    def nodes(self) -> int:
        return len(self.batch.nodes)

    @property
    def relations(self) -> int:
        return len(self.batch.relations)


class _Zipf:
    """Draws indices 0..n-1 with P(i) ∝ 1/(i+1)^s, fast (bisect over precomputed cumulative weights)."""

    def __init__(self, n: int, s: float, rng: random.Random):
        self.rng = rng
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))

    def draw(self) -> int:
        return bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])


def _counts(n: int) -> dict[str, int]:
    counts = {kind: max(MIN_COUNTS[kind], round(n * frac)) for kind, frac in FRACTIONS.items()}
    counts[PERSON] = max(20, n - sum(counts.values()))
    return counts


class _Builder:
    def __init__(self, schema: Schema, seed: int):
        self.schema = schema
        self.rng = random.Random(seed)
        self.nodes: list[NodeRecord] = []
        self.relations: dict[str, RelationRecord] = {}
        self.docs = [
            Source(
                doc=f"synthetic-report-{i:03d}",
                section=f"{i % 7 + 1}.{i % 5 + 1}",
                quote=f"Synthetic source sentence {i}.",
            )
            for i in range(200)
        ]

    def word(self, syllables: int = 3) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()

    def sources(self) -> tuple[Source, ...]:
        """One source on every record: the data rules need at least one."""
        return (self.rng.choice(self.docs),)

    def basis(self) -> tuple[Literal["stated", "inferred"], str | None]:
        """One relation in ten inferred, with the note every inferred fact needs."""
        if self.rng.random() < 0.1:
            return "inferred", "inferred by the benchmark generator"
        return "stated", None

    def node(
        self,
        kind: str,
        key: str,
        name_en: str,
        name_fi: str | None = None,
        *,
        aliases: Sequence[str] = (),
        personal: dict[str, str] | None = None,
        **properties: object,
    ) -> None:
        self.nodes.append(
            NodeRecord(
                key=key,
                kind=kind,
                name_en=name_en,
                name_fi=name_fi,
                aliases=tuple(dict.fromkeys(aliases)),
                properties=properties,
                personal=personal or {},
                sources=self.sources(),
            )
        )

    def since(self) -> dt.date:
        return dt.date(self.rng.randint(1990, 2024), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def relate(self, start: str, rel_type: str, end: str, role: str | None = None, dated: bool = False) -> None:
        if start == end:
            return
        key = relation_key(self.schema, start, rel_type, end)
        if key in self.relations:
            return
        since = self.since() if dated else None
        until = None
        if since is not None and self.rng.random() < 0.1:
            until = since + dt.timedelta(days=self.rng.randint(30, 3_000))
        sources = self.sources()
        basis, note = self.basis()  # after the sources: the same random draws, so the same graphs
        self.relations[key] = RelationRecord(
            start=start,
            type=rel_type,
            end=end,
            key=key,
            since=since,
            until=until,
            role=role,
            sources=sources,
            basis=basis,
            note=note,
        )


def generate(n: int, seed: int = 42, schema: Schema | None = None) -> Synthetic:
    """About `n` nodes (exactly `n` for n >= ~1,000) and ~4 relations per node, the same for the same seed.

    The cyclic garbage collector is paused meanwhile: the records hold no cycles, and its passes
    over a growing heap of half a million objects made generation 4× slower (14 s instead of 3.6 s
    at 10^5 nodes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(n, seed, schema)
    finally:
        if enabled:
            gc.enable()


def _generate(n: int, seed: int, schema: Schema | None) -> Synthetic:
    b = _Builder(schema or load_schema(), seed)
    rng = b.rng
    counts = _counts(n)
    keys = {kind: [f"{PREFIX[kind]}-{i:06d}" for i in range(count)] for kind, count in counts.items()}

    # Themes: a fifth are top-level (megatrends, focus areas, goals), the rest sub-themes.
    themes = keys[THEME]
    top = max(4, len(themes) // 5)
    for i, key in enumerate(themes):
        name = b.word(2) + " " + b.word(3).lower()
        b.node(THEME, key, name, name.lower(), theme_type=TOP_THEME_TYPES[i % 3] if i < top else "subtheme")
        if i >= top:
            b.relate(key, SUBTHEME_OF, themes[rng.randrange(top if rng.random() < 0.7 else i)])
    theme_pick = _Zipf(len(themes), 1.0, rng)

    def touch(key: str, k: int) -> None:
        for _ in range(k):
            b.relate(key, TOUCHES, themes[theme_pick.draw()])

    # Countries and cities: countries in regions, cities per country Zipf-distributed.
    cities = keys[CITY]
    n_countries = max(5, min(195, len(cities) // 25))
    countries = [(b.word(3), REGIONS[i % len(REGIONS)]) for i in range(n_countries)]
    country_pick = _Zipf(n_countries, 0.8, rng)
    city_country: list[tuple[str, str]] = []
    for i, key in enumerate(cities):
        country, region = countries[0] if i == 0 else countries[country_pick.draw()]
        city_country.append((country, region))
        name = "Helsinki" if i == 0 else b.word(rng.choice((2, 3)))
        fi = name + ("a" if name[-1] not in "aeiouy" else "")
        b.node(
            CITY,
            key,
            name,
            fi,
            aliases=[fi + c for c in rng.sample(FI_CASES, 2)],
            country=country,
            region=region,
            capital=i < n_countries,
        )
        touch(key, rng.randint(1, 3))

    # Networks, with members drawn by popularity (preferential attachment on membership counts).
    networks = keys[NETWORK]
    for key in networks:
        b.node(NETWORK, key, f"{b.word(2)} Cities Network", scope=rng.choice(NETWORK_SCOPES))
        touch(key, rng.randint(1, 4))
    net_weight = [1] * len(networks)
    net_pool = list(range(len(networks)))  # index i appears net_weight[i] times

    def join(member: str) -> None:
        i = rng.choice(net_pool)
        b.relate(member, MEMBER_OF, networks[i], role=rng.choice(ROLES) if rng.random() < 0.2 else None, dated=True)
        net_weight[i] += 1
        net_pool.append(i)

    for i, key in enumerate(cities):
        for _ in range(40 if i == 0 else rng.choice((1, 1, 2, 3, 4))):
            join(key)

    # Organisations per city (Zipf: big cities host most), people per organisation (Zipf again).
    orgs = keys[ORGANISATION]
    city_pick = _Zipf(len(cities), 0.9, rng)
    org_city: list[int] = []
    for key in orgs:
        c = city_pick.draw()
        org_city.append(c)
        org_type = rng.choice(ORG_TYPES)
        b.node(ORGANISATION, key, f"{b.word(2)} {rng.choice(ORG_WORDS)}", org_type=org_type, country=city_country[c][0])
        b.relate(key, LOCATED_IN, cities[c])
        touch(key, rng.randint(1, 3))
        if rng.random() < 0.15:
            join(key)
        if rng.random() < 0.1:
            b.relate(key, KEY_ACTOR_FOR, themes[theme_pick.draw()])
        if org_type in ("city_unit", "city_company"):
            b.relate(key, PART_OF, cities[c])
        elif len(org_city) > 1 and rng.random() < 0.1:
            b.relate(key, PART_OF, orgs[rng.randrange(len(org_city) - 1)])

    # Partnerships: Barabási–Albert over cities, organisations and networks in a shuffled order.
    actors = [*cities, *orgs, *networks]
    order = actors[1:]
    rng.shuffle(order)
    order.insert(0, cities[0])
    ends: list[str] = [cities[0]]
    for key in order[1:]:
        m = 3 if key.startswith("city") else rng.choice((1, 1, 2))
        for _ in range(m):
            other = rng.choice(ends)
            b.relate(key, PARTNER_OF, other, dated=True)
            ends.append(other)
        ends.extend([key] * m)

    # Initiatives: led by a city or organisation, with a heavy-tailed number of participants.
    inits = keys[INITIATIVE]
    org_pick = _Zipf(len(orgs), 0.7, rng)
    for i, key in enumerate(inits):
        b.node(
            INITIATIVE,
            key,
            f"{b.word(3)} {rng.choice(('Programme', 'Challenge', 'Project', 'Agreement'))}",
            initiative_type=rng.choice(INITIATIVE_TYPES),
            year=rng.randint(2000, 2026),
        )
        lead = cities[city_pick.draw()] if rng.random() < 0.4 else orgs[org_pick.draw()]
        b.relate(lead, LEADS, key)
        touch(key, rng.randint(1, 3))
        for _ in range(min(200, int(rng.paretovariate(1.3)) + 1)):
            who = cities[city_pick.draw()] if rng.random() < 0.4 else orgs[org_pick.draw()]
            b.relate(who, PARTICIPATES_IN, key, dated=rng.random() < 0.5)
        if i > 0 and rng.random() < 0.1:
            b.relate(key, PART_OF, inits[rng.randrange(i)])

    # People: most work for an organisation (big ones employ more), some for a city directly.
    people = keys[PERSON]
    for i, key in enumerate(people):
        given, family = b.word(2), b.word(3)
        title_fi, title_en = rng.choice(TITLES)
        personal = {"email": f"{given.lower()}.{family.lower()}{i}@example.org"} if rng.random() < 0.5 else {}
        if personal and rng.random() < 0.5:
            personal["phone"] = f"+358 40 {i:07d}"
        b.node(PERSON, key, f"{given} {family}", title_fi=title_fi, title_en=title_en, personal=personal)
        employer = cities[city_pick.draw()] if rng.random() < 0.1 else orgs[org_pick.draw()]
        b.relate(key, WORKS_FOR, employer, dated=rng.random() < 0.3)
        touch(key, rng.choice((0, 1, 1, 2)))
        r = rng.random()
        if r < 0.15:
            target = rng.choice((orgs, cities, networks, inits))
            b.relate(key, HOLDS_ROLE, target[rng.randrange(len(target))], role="member of the board")
        elif r < 0.25:
            b.relate(key, CONTACT_FOR, rng.choice((employer, themes[theme_pick.draw()])))
        elif r < 0.28:
            b.relate(key, PARTICIPATES_IN, inits[rng.randrange(len(inits))])
        elif r < 0.30:
            b.relate(key, LEADS, themes[theme_pick.draw()])
    for j, net in enumerate(networks):  # every membership has an owner on the city's behalf
        owner = people[j % len(people)] if j % 2 else orgs[org_pick.draw()]
        b.relate(owner, OWNS_MEMBERSHIP, net)
    # Drawn last, from their own stream, so the rest of a seed's graph stays as it was.
    extra = random.Random(seed + 1)
    for city in cities:  # a unit coordinates some cities' international relations
        if extra.random() < 0.3:
            b.relate(orgs[extra.randrange(len(orgs))], COORDINATES, city)
    for _ in range(max(1, len(orgs) // 10)):  # support without partnership: grants, sponsorship
        funder = cities[extra.randrange(len(cities))] if extra.random() < 0.6 else orgs[extra.randrange(len(orgs))]
        pool = orgs if extra.random() < 0.5 else inits
        b.relate(funder, SUPPORTS, pool[extra.randrange(len(pool))])

    words = sorted({w for node in b.nodes[: len(themes) + len(cities)] for w in (node.name_en or "").split()})
    return Synthetic(Batch(b.nodes, list(b.relations.values())), seed, keys, words)
