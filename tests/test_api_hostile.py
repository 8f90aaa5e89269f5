"""Malformed and hostile input, across the routes: each gets a 4xx problem+json answer (or, where the
input is merely an odd search string, a normal 2xx answer), never a 5xx, and the graph is exactly
as it was afterwards (counts and a digest of every node and relation with its properties)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_api_support import Clients, graph_state, headers

from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load

INJECTION = '"}) MATCH (n) DETACH DELETE n //'
QUOTE_OR = "' OR 1=1 --"
LABEL = "City:Admin"
REL_INJECTION = "PARTNER_OF]->() DETACH DELETE r //"
HUGE = "x" * 100_000
UNICODE = "Hèlsinki 🏙️ \u202eadmin\u202c ﷽ 𝔥𝔢𝔩"
NUL = "hel\x00sinki"
NESTED = "[" * 100_000 + "]" * 100_000
FOUR_XX = frozenset(range(400, 500))
OK = frozenset({200})


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@dataclass
class Case:
    name: str
    method: str
    url: str
    who: str = "admin"
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    content: str | bytes | None = None
    expect: frozenset[int] = FOUR_XX


def city(**fields: Any) -> dict[str, Any]:
    return {"key": "hostile-city", "kind": "City", "name_en": "Hostile", **fields}


def rel(**fields: Any) -> dict[str, Any]:
    return {"start": "helsinki", "type": "MEMBER_OF", "end": "eurocities", **fields}


WRITE_CASES = [
    Case("entity key injection", "POST", "/entities", json=city(key=INJECTION)),
    Case("entity key quote", "POST", "/entities", json=city(key=QUOTE_OR)),
    Case("entity key null byte", "POST", "/entities", json=city(key=NUL)),
    Case("entity key huge", "POST", "/entities", json=city(key=HUGE)),
    Case("entity key unicode", "POST", "/entities", json=city(key=UNICODE)),
    Case("entity key wrong type", "POST", "/entities", json=city(key=123)),
    Case("entity kind label injection", "POST", "/entities", json=city(kind=LABEL)),
    Case("entity kind cypher", "POST", "/entities", json=city(kind="City) DETACH DELETE n //")),
    Case("entity kind unknown", "POST", "/entities", json=city(kind="Admin")),
    Case("entity kind contact card", "POST", "/entities", json=city(kind="ContactCard")),
    Case("entity kind Entity", "POST", "/entities", json=city(kind="Entity")),
    Case("entity name huge", "POST", "/entities", json=city(name_en=HUGE)),
    Case("entity name formula", "POST", "/entities", json=city(name_en='=HYPERLINK("http://x")')),
    Case("entity url javascript", "POST", "/entities", json=city(url="javascript:alert(1)")),
    Case("entity aliases not a list", "POST", "/entities", json=city(aliases="Helsinki")),
    Case("entity aliases too many", "POST", "/entities", json=city(aliases=[f"a{i}" for i in range(500)])),
    Case("entity extra field", "POST", "/entities", json=city(admin=True)),
    Case("entity property undeclared", "POST", "/entities", json=city(properties={"role": "admin"})),
    Case("entity property nested", "POST", "/entities", json=city(properties={"country": nested(200)})),
    Case("entity property object", "POST", "/entities", json=city(properties={"country": {"$ne": 1}})),
    Case("entity key in properties", "POST", "/entities", json=city(properties={"key": "helsinki"})),
    Case("entity boolean as text", "POST", "/entities", json=city(properties={"capital": "true"})),
    Case(
        "entity email header injection",
        "POST",
        "/entities",
        json={
            "key": "hostile-person",
            "kind": "Person",
            "name_en": "P",
            "properties": {"email": "a@b.fi\nBcc: all@x.fi"},
        },
    ),
    Case("entity source without quote", "POST", "/entities", json=city(sources=[{"doc": "d"}])),
    Case("entity existing key", "POST", "/entities", json=city(key="helsinki", name_en="Overwrite")),
    Case("entity existing key other kind", "POST", "/entities", json=city(key="eurocities")),
    Case("entity body not json", "POST", "/entities", content="key=x&kind=City"),
    Case("entity body array", "POST", "/entities", json=[city()]),
    Case("entity body deeply nested", "POST", "/entities", content=NESTED),
    Case("entity body null", "POST", "/entities", content="null"),
    Case("entity as reader", "POST", "/entities", who="reader", json=city()),
    Case("patch null removes", "PATCH", "/entities/helsinki", json={"name_en": None}),
    Case("patch kind change", "PATCH", "/entities/helsinki", json={"kind": "Network"}),
    Case("patch key change", "PATCH", "/entities/helsinki", json={"key": "other"}),
    Case("patch bad type", "PATCH", "/entities/helsinki", json={"properties": {"capital": "yes"}}),
    Case("patch formula", "PATCH", "/entities/helsinki", json={"description_en": "@SUM(A1:A9)"}),
    Case("patch missing entity", "PATCH", "/entities/no-such-entity", json={"name_en": "X"}),
    Case("patch label key", "PATCH", f"/entities/{LABEL}", json={"name_en": "X"}),
    Case("patch injection key", "PATCH", "/entities/%22%7D)%20MATCH%20(n)%20DETACH%20DELETE%20n", json={}),
    Case("delete null byte key", "DELETE", "/entities/hel%00sinki"),
    Case("delete traversal", "DELETE", "/entities/..%2F..%2Fetc%2Fpasswd"),
    Case("delete quote key", "DELETE", "/entities/'%20OR%201=1"),
    Case("relation type injection", "POST", "/relations", json=rel(type=REL_INJECTION)),
    Case("relation type lower case", "POST", "/relations", json=rel(type="member_of")),
    Case("relation type not allowed", "POST", "/relations", json=rel(type="SUBTHEME_OF")),
    Case("relation endpoint injection", "POST", "/relations", json=rel(end=INJECTION)),
    Case("relation endpoint missing", "POST", "/relations", json=rel(end="atlantis")),
    Case("relation to itself", "POST", "/relations", json=rel(end="helsinki", type="PARTNER_OF")),
    Case("relation bad date", "POST", "/relations", json=rel(end="atlantis", since="2020-13-45")),
    Case("relation words date", "POST", "/relations", json=rel(since="yesterday")),
    Case("relation feb 30", "POST", "/relations", json=rel(since="2021-02-30")),
    Case("relation until before since", "POST", "/relations", json=rel(since="2020-01-01", until="2019-01-01")),
    Case("relation bad basis", "POST", "/relations", json=rel(basis="rumour")),
    Case("relation key huge", "POST", "/relations", json=rel(key=HUGE)),
    Case("relation patch missing", "PATCH", "/relations/helsinki/eurocities/nope", json={"note": "x"}),
    Case("relation delete injection", "DELETE", "/relations/helsinki/eurocities/%5D-%3E()%20DELETE%20r"),
]

ADMIN_CASES = [
    Case("cypher delete", "POST", "/cypher", json={"query": "MATCH (n) DETACH DELETE n"}),
    Case("cypher create", "POST", "/cypher", json={"query": "CREATE (n:Entity {key: 'x'}) RETURN n"}),
    Case("cypher lower-case merge", "POST", "/cypher", json={"query": "match (n) merge (m:X) return m"}),
    Case("cypher set", "POST", "/cypher", json={"query": "MATCH (n:Entity) SET n.name_en = 'x' RETURN n"}),
    Case("cypher two statements", "POST", "/cypher", json={"query": "MATCH (n) RETURN n; MATCH (m) DELETE m"}),
    Case(
        "cypher subquery delete",
        "POST",
        "/cypher",
        json={"query": "MATCH (n) CALL { WITH n DETACH DELETE n } RETURN 1 AS x"},
    ),
    Case("cypher foreach", "POST", "/cypher", json={"query": "MATCH (n) FOREACH (x IN [1] | DELETE n)"}),
    Case("cypher procedure", "POST", "/cypher", json={"query": "CALL dbms.security.createUser('x', 'y')"}),
    Case("cypher load csv", "POST", "/cypher", json={"query": "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l"}),
    Case("cypher apoc", "POST", "/cypher", json={"query": "RETURN apoc.version() AS v"}),
    Case("cypher empty", "POST", "/cypher", json={"query": ""}),
    Case("cypher huge", "POST", "/cypher", json={"query": "RETURN 1 // " + HUGE}),
    Case("cypher null byte", "POST", "/cypher", json={"query": "RETURN 1\x00"}),
    Case("cypher wrong type", "POST", "/cypher", json={"query": 5}),
    Case("cypher nested params", "POST", "/cypher", json={"query": "RETURN $a AS a", "params": nested(50)}),
    Case("cypher negative rows", "POST", "/cypher", json={"query": "RETURN 1 AS x", "max_rows": -1}),
    Case("cypher syntax error", "POST", "/cypher", json={"query": "MATCH (n RETURN n"}),
    Case("cypher as editor", "POST", "/cypher", who="editor", json={"query": "RETURN 1 AS x"}),
    Case("audit negative limit", "GET", "/audit", params={"limit": -1}),
    Case("audit huge limit", "GET", "/audit", params={"limit": 10**9}),
    Case("audit offset words", "GET", "/audit", params={"offset": "abc"}),
    Case("audit filter quote", "GET", "/audit", params={"action": QUOTE_OR}, expect=OK),
    Case("audit filter unicode", "GET", "/audit", params={"actor": UNICODE}, expect=OK),
    Case("audit as contacts", "GET", "/audit", who="contacts"),
    Case("oversized body", "POST", "/cypher", content='{"query": "' + "x" * 2_000_000 + '"}'),
    Case("unknown route", "GET", "/entities/helsinki/../../admin"),
]

READ_CASES = [
    Case("search injection", "GET", "/search", params={"q": INJECTION}, expect=OK),
    Case("search quote", "GET", "/search", params={"q": QUOTE_OR}, expect=OK),
    Case("search unicode", "GET", "/search", params={"q": UNICODE}, expect=OK),
    Case("search null byte", "GET", "/search", params={"q": NUL}, expect=OK),
    Case("search regex", "GET", "/search", params={"q": ".*(a+)+$"}, expect=OK),
    Case("search too long", "GET", "/search", params={"q": "x" * 20_000}),
    Case("search empty", "GET", "/search", params={"q": ""}),
    Case("search kind label", "GET", "/search", params={"q": "helsinki", "kind": LABEL}),
    Case("search negative limit", "GET", "/search", params={"q": "helsinki", "limit": -1}),
    Case("search limit too big", "GET", "/search", params={"q": "helsinki", "limit": 1000}),
    Case("entity path injection", "GET", "/entities/%22%7D)%20MATCH%20(n)%20DETACH%20DELETE%20n%20%2F%2F"),
    Case("entity label key", "GET", f"/entities/{LABEL}"),
    Case("entity null byte", "GET", "/entities/hel%00sinki"),
    # Names are read up to case and diacritics (questions.resolve), so "Hèlsinki🏙" would be Helsinki:
    # a unicode name that names nothing instead.
    Case("entity unicode key", "GET", "/entities/H%C3%A8lsinkx%F0%9F%8F%99"),
    Case("entity words date", "GET", "/entities/helsinki", params={"as_of": "yesterday"}),
    Case("entity feb 29 in 2021", "GET", "/entities/helsinki", params={"as_of": "2021-02-29"}),
    Case("partners theme injection", "GET", "/partners", params={"theme": INJECTION}),
    Case("partners theme quote", "GET", "/partners", params={"theme": QUOTE_OR}),
    Case("partners too many themes", "GET", "/partners", params={"theme": [f"t{i}" for i in range(100)]}),
    Case("partners kind label", "GET", "/partners", params={"theme": "maas", "kind": LABEL}),
    Case("partners bad mode", "GET", "/partners", params={"theme": "maas", "mode": "both"}),
    Case("partners negative limit", "GET", "/partners", params={"theme": "maas", "limit": -5}),
    Case("contacts quote key", "GET", "/contacts", params={"key": QUOTE_OR}),
    Case("contacts unicode key", "GET", "/contacts", params={"key": UNICODE}),
    Case("contacts huge key", "GET", "/contacts", params={"key": "x" * 20_000}),
    Case("contacts unknown key", "GET", "/contacts", params={"key": "atlantis"}),
    Case("paths too many hops", "GET", "/paths", params={"start": "helsinki", "end": "c40", "max_hops": 100}),
    Case("paths hops injection", "GET", "/paths", params={"start": "helsinki", "end": "c40", "max_hops": "1; DROP"}),
    Case(
        "paths avoid type injection",
        "GET",
        "/paths",
        params={"start": "helsinki", "end": "c40", "avoid_type": REL_INJECTION},
    ),
    Case("paths missing end", "GET", "/paths", params={"start": "helsinki"}),
    Case("paths to itself", "GET", "/paths", params={"start": "helsinki", "end": "helsinki"}, expect=OK),
    Case("neighbourhood negative depth", "GET", "/neighbourhood", params={"key": "helsinki", "depth": -1}),
    Case("neighbourhood many keys", "GET", "/neighbourhood", params={"key": [f"k{i}" for i in range(500)]}),
    Case("neighbourhood theme injection", "GET", "/neighbourhood", params={"key": "helsinki", "theme": INJECTION}),
    Case("neighbourhood zero nodes", "GET", "/neighbourhood", params={"key": "helsinki", "max_nodes": 0}),
    Case("governance home injection", "GET", "/governance", params={"home": INJECTION}),
    Case("brokers huge top", "GET", "/brokers", params={"top": 10**6}),
    Case("brokers float top", "GET", "/brokers", params={"top": 2.5}),
    Case("themes huge offset", "GET", "/themes", params={"offset": 10**9}),
    Case("schema junk parameters", "GET", "/schema", params={"kind": LABEL, "x": INJECTION}, expect=OK),
]

CASES: list[Case] = WRITE_CASES + ADMIN_CASES + READ_CASES


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def test_enough_hostile_cases() -> None:
    assert len(CASES) >= 50
    assert len({c.name for c in CASES}) == len(CASES)


def test_hostile_input_is_refused_and_the_graph_is_unchanged(store: GraphStore, client_for: Clients) -> None:
    load(store, [(DEFAULT_DATASET, "dataset")])
    before = graph_state(store)
    client = client_for(store)
    failures = []
    for case in CASES:
        extra = {"Content-Type": "application/json"} if case.content is not None else {}
        response = client.request(
            case.method,
            case.url,
            params=case.params,
            json=case.json,
            content=case.content,
            headers={**headers(case.who), **extra},
        )
        status = response.status_code
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if status not in case.expect:
            failures.append(f"{case.name}: {status} {response.text[:200]}")
        elif status >= 400 and not problem:
            failures.append(f"{case.name}: {status} without problem+json")
        elif "Traceback" in response.text or 'File "' in response.text:
            failures.append(f"{case.name}: a stack trace in the answer")
        elif (
            isinstance(case.json, dict)
            and len(str(case.json.get("query", ""))) > 5
            and (str(case.json["query"]) in response.text)
        ):
            failures.append(f"{case.name}: the query echoed in the answer")
    assert failures == [], "\n".join(failures)
    assert graph_state(store) == before
