"""The contract suite: the same writes and reads give the same results on every available server.

Parametrised by the `store` fixture over the embedded ArcadeDB (always) and Neo4j (when NEO4J_URI
is set). Malformed records must be refused with errors naming record and field, and leave the
database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import networkx as nx
import pytest

from graph.model import Batch, ValidationFailed, check_batch, parse_node, parse_relation
from graph.schema import load_schema
from graph.store import GraphStore, StoreError, console_of

SCHEMA = load_schema()


# Every record needs a source (the data rules); the tests' records quote this one unless they say.
TEST_SOURCE = {"doc": "contract-test", "quote": "A fact of the contract suite."}


def node(**raw: Any) -> Any:
    return parse_node(SCHEMA, {"sources": [TEST_SOURCE], **raw}, "test")


def rel(**raw: Any) -> Any:
    return parse_relation(SCHEMA, {"sources": [TEST_SOURCE], **raw}, "test")


def seed(store: GraphStore) -> None:
    batch = Batch(
        [
            node(
                key="helsinki", kind="City", name_fi="Helsinki", aliases=["Helsingin"], country="Finland", capital=True
            ),
            node(key="tallinn", kind="City", name_fi="Tallinna", name_en="Tallinn", aliases=["Tallinnan"]),
            node(key="c40", kind="Network", name_en="C40 Cities"),
            node(key="climate", kind="Theme", name_en="Climate", theme_type="megatrend"),
            node(key="officer", kind="Person", name_en="Network officer", email="officer@example.org", phone="+358 1"),
        ],
        [
            rel(start="helsinki", type="PARTNER_OF", end="tallinn", role="twin city", since="2019-01-01"),
            rel(start="helsinki", type="MEMBER_OF", end="c40"),
            rel(start="c40", type="TOUCHES", end="climate", basis="inferred", note="the network's purpose"),
            rel(start="officer", type="CONTACT_FOR", end="c40"),
        ],
    )
    checked, errors = check_batch(SCHEMA, batch, store.kinds_of(n.key for n in batch.nodes))
    assert errors == []
    store.apply(checked)


def state(store: GraphStore) -> tuple[Any, ...]:
    """Everything observable about the graph, for before/after comparisons."""
    graph = store.snapshot()
    nodes = sorted((k, sorted((a, str(v)) for a, v in d.items())) for k, d in graph.nodes(data=True))
    edges = sorted((u, v, sorted((a, str(x)) for a, x in d.items())) for u, v, d in graph.edges(data=True))
    counts = store.counts()
    return counts.nodes, counts.relations, nodes, edges


def test_write_then_read_round_trips_every_property(store: GraphStore) -> None:
    seed(store)
    graph = store.snapshot()
    helsinki = graph.nodes["helsinki"]
    assert helsinki["kind"] == "City" and helsinki["capital"] is True and helsinki["aliases"] == ["Helsingin"]
    edge = next(d for _, v, d in graph.out_edges("helsinki", data=True) if v == "tallinn")
    assert edge["type"] == "PARTNER_OF" and edge["role"] == "twin city" and edge["since"] == dt.date(2019, 1, 1)
    assert store.counts().nodes == {"City": 2, "Network": 1, "Person": 1, "Theme": 1}
    assert store.counts().relations == {"CONTACT_FOR": 1, "MEMBER_OF": 1, "PARTNER_OF": 1, "TOUCHES": 1}


def test_contact_fields_never_reach_snapshots(store: GraphStore) -> None:
    seed(store)
    graph = store.snapshot()
    text = repr(list(graph.nodes(data=True))) + repr(list(graph.edges(data=True)))
    assert "officer@example.org" not in text and "+358 1" not in text
    assert set(graph.nodes) == {"helsinki", "tallinn", "c40", "climate", "officer"}


def test_loading_twice_changes_nothing(store: GraphStore) -> None:
    seed(store)
    before = state(store)
    batch = Batch(
        [node(key="helsinki", kind="City", name_fi="Helsinki", aliases=["Helsingin"], country="Finland", capital=True)]
    )
    summary = store.apply(batch)
    assert summary.unchanged == {"City": 1} and not summary.changed
    assert state(store) == before


def test_update_reports_and_keeps_sources_accumulating(store: GraphStore) -> None:
    seed(store)
    first = {"doc": "d1", "section": "1", "quote": "Helsinki on kaupunki."}
    second = {"doc": "d2", "section": "2", "quote": "Helsinki is a city."}
    store.apply(Batch([node(key="helsinki", kind="City", name_fi="Helsinki", sources=[first])]))
    summary = store.apply(Batch([node(key="helsinki", kind="City", name_fi="Helsinki", sources=[second])]))
    assert summary.updated == {"City": 1}
    sources = store.snapshot(["helsinki"]).nodes["helsinki"]["sources"]
    assert {s["doc"] for s in sources} == {"contract-test", "d1", "d2"}


def test_subgraph_snapshot_and_as_of(store: GraphStore) -> None:
    seed(store)
    store.apply(
        Batch(relations=[rel(start="tallinn", type="MEMBER_OF", end="c40", since="2020-01-01", until="2020-12-31")])
    )
    sub = store.snapshot(["helsinki", "tallinn"])
    assert set(sub.nodes) == {"helsinki", "tallinn"} and sub.number_of_edges() == 1
    assert store.snapshot(as_of=dt.date(2018, 6, 1)).number_of_edges() == 3  # twin city starts 2019, tallinn left
    assert store.snapshot(as_of=dt.date(2020, 6, 1)).number_of_edges() == 5
    assert isinstance(sub, nx.MultiDiGraph)


def test_a_snapshot_of_keys_is_the_whole_snapshot_among_them(store: GraphStore) -> None:
    """One read gives each entity with its relations to the others: the subgraph of the whole."""
    seed(store)
    whole = store.snapshot()
    for keys in (["helsinki", "tallinn", "c40"], ["tallinn"], ["c40", "climate", "officer", "nobody"], []):
        sub = store.snapshot(keys)
        among = whole.subgraph(keys)
        assert {k: d for k, d in sub.nodes(data=True)} == {k: d for k, d in among.nodes(data=True)}
        edges, expected = ({(a, b, k): d for a, b, k, d in g.edges(keys=True, data=True)} for g in (sub, among))
        assert edges == expected
    assert store.snapshot(["helsinki", "tallinn", "c40"]).number_of_edges() == 2


def test_delete_removes_node_relations_and_contact_card(store: GraphStore) -> None:
    seed(store)
    summary = store.delete(["officer"], [("helsinki", "tallinn", "helsinki|PARTNER_OF|tallinn")])
    assert summary.deleted == {"Person": 1, "relations": 1}
    assert store.counts().relations == {"MEMBER_OF": 1, "TOUCHES": 1}
    assert console_of(store).run_readonly("MATCH (c:ContactCard) RETURN count(c) AS cards").rows == [{"cards": 0}]


def test_symmetric_relation_is_found_from_either_direction(store: GraphStore) -> None:
    seed(store)
    summary = store.apply(
        Batch(relations=[rel(start="tallinn", type="PARTNER_OF", end="helsinki", role="twin city", since="2019-01-01")])
    )
    assert summary.unchanged == {"PARTNER_OF": 1}
    assert store.counts().relations["PARTNER_OF"] == 1


MALFORMED_NODES: list[tuple[dict[str, Any], str, str]] = [
    ({"key": "x", "name_en": "No kind"}, "kind", "required"),
    ({"key": "x", "kind": "Planet", "name_en": "Mars"}, "kind", "unknown kind"),
    ({"kind": "City", "name_en": "No key"}, "key", "required"),
    ({"key": "has space", "kind": "City", "name_en": "Bad key"}, "key", "lower-case slug"),
    ({"key": "x", "kind": "City"}, "name_fi/name_en", "at least one name"),
    ({"key": "x", "kind": "City", "name_en": "X", "population": 5}, "population", "not a property declared"),
    ({"key": "x", "kind": "City", "name_en": "X", "capital": "yes"}, "capital", "boolean"),
    ({"key": "x", "kind": "Initiative", "name_en": "X", "year": "2019a"}, "year", "integer"),
    ({"key": "x", "kind": "Theme", "name_en": "X", "theme_type": "hobby"}, "theme_type", "megatrend"),
    ({"key": "x", "kind": "City", "name_en": "X", "url": "javascript:alert(1)"}, "url", "pattern"),
    ({"key": "x", "kind": "Person", "name_en": "X", "email": "not-an-email"}, "email", "pattern"),
    ({"key": "x", "kind": "City", "name_en": "X" * 1001}, "name_en", "at most 1000"),
    ({"key": "x", "kind": "City", "name_en": '=HYPERLINK("http://evil")'}, "name_en", "spreadsheet formula"),
    ({"key": "x", "kind": "City", "name_en": "X", "aliases": "Xn"}, "aliases", "list"),
    ({"key": "x", "kind": "City", "name_en": "X", "sources": [{"doc": "d"}]}, "sources.0", "nor by, at, note"),
    (
        {"key": "x", "kind": "City", "name_en": "X", "sources": [{"by": "Aino", "note": "Told at a meeting."}]},
        "sources.0",
        "no quote, nor at",
    ),
    (
        {"key": "x", "kind": "City", "name_en": "X", "sources": [{"by": "Aino", "at": "yesterday", "note": "A."}]},
        "sources.0.at",
        "date",
    ),
]


@pytest.mark.parametrize(("raw", "field", "reason"), MALFORMED_NODES, ids=[m[1] + ":" + m[2] for m in MALFORMED_NODES])
def test_malformed_node_is_refused_naming_record_and_field(raw: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_node(SCHEMA, raw, "nodes.csv line 7")
    [error] = [e for e in caught.value.errors if e.field == field]
    assert error.record.startswith("nodes.csv line 7") and reason in error.reason


MALFORMED_RELATIONS: list[tuple[dict[str, Any], str, str]] = [
    ({"start": "a", "end": "b"}, "type", "required"),
    ({"start": "a", "type": "LIKES", "end": "b"}, "type", "unknown relation type"),
    ({"start": "a", "type": "MEMBER_OF"}, "end", "required"),
    ({"start": "a", "type": "MEMBER_OF", "end": "b", "since": "2019-13-01"}, "since", "date"),
    (
        {"start": "a", "type": "MEMBER_OF", "end": "b", "since": "2020-01-01", "until": "2019-01-01"},
        "until",
        "before since",
    ),
    ({"start": "a", "type": "MEMBER_OF", "end": "b", "basis": "rumour"}, "basis", "stated"),
    ({"start": "a", "type": "MEMBER_OF", "end": "b", "weight": 3}, "weight", "not a property declared"),
]


@pytest.mark.parametrize(
    ("raw", "field", "reason"), MALFORMED_RELATIONS, ids=[m[1] + ":" + m[2] for m in MALFORMED_RELATIONS]
)
def test_malformed_relation_is_refused_naming_record_and_field(raw: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_relation(SCHEMA, raw, "relations.csv line 3")
    [error] = [e for e in caught.value.errors if e.field == field]
    assert error.record.startswith("relations.csv line 3") and reason in error.reason


CROSS_RECORD: list[tuple[str, Batch, str, str]] = [
    (
        "missing end",
        Batch(relations=[rel(start="helsinki", type="MEMBER_OF", end="nowhere")]),
        "end",
        "no node with key 'nowhere'",
    ),
    (
        "wrong kinds",
        Batch(relations=[rel(start="c40", type="MEMBER_OF", end="helsinki")]),
        "type",
        "does not go from Network to City",
    ),
    ("self loop", Batch(relations=[rel(start="helsinki", type="PARTNER_OF", end="helsinki")]), "end", "its own start"),
    ("kind change", Batch([node(key="c40", kind="City", name_en="C40")]), "kind", "already exists as a Network"),
    (
        "conflicting duplicate",
        Batch([node(key="oslo", kind="City", name_en="Oslo"), node(key="oslo", kind="City", name_en="Kristiania")]),
        "key",
        "conflicting values",
    ),
]


@pytest.mark.parametrize(("case", "batch", "field", "reason"), CROSS_RECORD, ids=[c[0] for c in CROSS_RECORD])
def test_cross_record_errors_leave_the_database_unchanged(
    store: GraphStore, case: str, batch: Batch, field: str, reason: str
) -> None:
    seed(store)
    before = state(store)
    keys = {n.key for n in batch.nodes} | {r.start for r in batch.relations} | {r.end for r in batch.relations}
    _, errors = check_batch(SCHEMA, batch, store.kinds_of(keys))
    assert [e.field for e in errors] == [field] and reason in errors[0].reason
    assert state(store) == before


def test_a_batch_failing_half_way_leaves_nothing_of_itself(store: GraphStore) -> None:
    """Nodes are written before relations; a relation that cannot be written fails the transaction
    after thousands of nodes went in: none of them may remain."""
    seed(store)
    before = state(store)
    nodes = [node(key=f"city-{i}", kind="City", name_en=f"City {i}") for i in range(2_500)]
    # Bypasses check_batch on purpose: the store must still be atomic when the database refuses.
    broken = rel(start="city-1", type="MEMBER_OF", end="c40").model_copy(update={"type": "NOT_DECLARED"})
    with pytest.raises((KeyError, StoreError)):
        store.apply(Batch(nodes, [rel(start="city-0", type="MEMBER_OF", end="c40"), broken]), batch_size=1_000)
    assert state(store) == before


def test_a_constraint_violation_inside_a_batch_rolls_back_everything(store: GraphStore) -> None:
    seed(store)
    before = state(store)
    nodes = [node(key=f"org-{i}", kind="Organisation", name_en=f"Org {i}") for i in range(1_200)]
    clash = node(key="tallinn", kind="Network", name_en="Tallinn as a network")  # key exists as a City
    with pytest.raises(StoreError):
        store.apply(Batch([*nodes, clash]), batch_size=500)
    assert state(store) == before


def test_concurrent_writers_of_the_same_keys_leave_no_duplicate(store: GraphStore) -> None:
    """Eight writers upserting overlapping keys at once: ArcadeDB fails some with a constraint error,
    which `_write` retries; every write is acknowledged and each key exists once, on both servers."""
    import threading

    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            for round_ in range(10):
                nodes = [
                    parse_node(SCHEMA, {"key": f"c{i}", "kind": "City", "name_en": f"C{i} {number}.{round_}"}, "t")
                    for i in range(number % 3, 12, 2)
                ]
                store.apply(Batch(nodes))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    keys = [row["key"] for row in store.read("nodes_existing", {"keys": [f"c{i}" for i in range(12)]})]
    assert sorted(keys) == sorted({f"c{i}" for i in range(12)}) and len(keys) == 12


def test_the_server_sends_no_run_time_warnings_with_answers(store: GraphStore) -> None:
    """Neo4j would warn with every counter read before any staged load (its lease's property keys
    are absent): the store asks for no notifications, which cost each read 0.1-0.4 ms of CPU."""
    from graph.bolt import BoltStore

    assert isinstance(store, BoltStore)
    with store._driver.session(database=store.database) as session:
        summary = session.run("MATCH (m:Meta) RETURN m.no_such_property_anywhere AS missing").consume()
    assert [status for status in summary.gql_status_objects if status.is_notification] == []


def test_reads_reuse_idle_sessions_that_hold_no_connection(store: GraphStore) -> None:
    """A read takes an idle read session rather than opening one (0.05-0.09 ms of CPU a read); an
    idle session has given its connection back to the pool, so the sessions kept never starve it,
    and a read that fails does not put its session back."""
    from graph.bolt import BoltStore

    assert isinstance(store, BoltStore)
    while store._idle_reads:  # the shared store keeps the sessions of earlier tests' readers
        store._idle_reads.pop().close()
    readers = 6
    barrier = threading.Barrier(readers)

    def read() -> None:
        barrier.wait()
        for _ in range(20):
            assert store.read("ping") == [{"ok": 1}]

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    idle = list(store._idle_reads)
    assert 1 <= len(idle) <= readers  # 120 reads, no more sessions than readers at once
    assert all(session._connection is None for session in idle)
    store.read("ping")
    assert list(store._idle_reads)[-1] in idle and len(store._idle_reads) == len(idle)
    with pytest.raises(StoreError):
        store._reading("broken", "RETURN +++ AS no", None, lambda got: got.data())
    assert len(store._idle_reads) == len(idle) - 1
