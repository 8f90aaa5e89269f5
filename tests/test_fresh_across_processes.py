"""Fresh across processes: a write made by another process is seen by the very next question here.

The other process is a real one (a Python subprocess with its own driver and store), as a
`partnergraph load` or a second API worker would be; nothing signals this process but the change
counter the write bumped in the database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import Backend
from reads import reads_of
from test_api_support import Clients
from test_questions_support import SCHEMA

from graph.managed import ManagedServer
from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore, KindConflict
from questions.brokers import brokers
from questions.entity import entity
from questions.governance import governance
from questions.neighbourhood import neighbourhood
from questions.partners import partners_by_themes
from questions.search import search
from questions.themes import theme_overview
from viz.views import NeighbourhoodMap, _draw_neighbourhood, neighbourhood_map

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent(
    """
    import json, sys
    from graph.bolt import BoltStore
    from graph.model import Batch, parse_node, parse_relation
    from graph.schema import load_schema

    uri, user, password, database, name = json.loads(sys.argv[1])
    with BoltStore(uri, (user, password), database) as store:
        node = parse_node(load_schema(), {"key": "tku", "kind": "City", "name_fi": name}, "other process")
        store.apply(Batch([node]))
        print(json.dumps(store.data_version()))
    """
)


RELATE = textwrap.dedent(
    """
    import json, sys
    from graph.bolt import BoltStore
    from graph.model import Batch, parse_relation
    from graph.schema import load_schema

    uri, user, password, database, relations = json.loads(sys.argv[1])
    with BoltStore(uri, (user, password), database) as store:
        store.apply(Batch(relations=[parse_relation(load_schema(), r, "other process") for r in relations]))
        print(json.dumps(store.data_version()))
    """
)


def relate_from_another_process(backend: Backend, server: ManagedServer, relations: list[dict[str, str]]) -> None:
    user, password = server.auth
    args = json.dumps([backend.store.uri, user, password, server.database, relations])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", RELATE, args], capture_output=True, text=True, timeout=120, env=env, check=True
    )


def write_from_another_process(backend: Backend, server: ManagedServer, name: str) -> list[object]:
    user, password = server.auth
    args = json.dumps([backend.store.uri, user, password, server.database, name])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", WRITER, args], capture_output=True, text=True, timeout=120, env=env, check=True
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def names(store: GraphStore, text: str) -> list[str]:
    return [hit.entity.key for hit in search(store, text).results]


def test_a_rename_in_another_process_is_seen_by_the_next_search_and_entity(
    store: GraphStore, backend: Backend, managed_servers: dict[str, ManagedServer]
) -> None:
    server = managed_servers[backend.name]
    store.apply(Batch([parse_node(SCHEMA, {"key": "tku", "kind": "City", "name_fi": "Turku"}, "t")]))
    assert names(store, "Turku") == ["tku"]  # the index is built here, in this process
    before = store.data_version()
    # Same number of entities, a new name: only the counter in the database says it changed.
    other = write_from_another_process(backend, server, "Åbo")
    assert store.data_version() == tuple(other) and store.data_version() != before
    assert names(store, "abo") == ["tku"]
    assert names(store, "Turku") == []
    assert entity(store, "tku").name_fi == "Åbo"


def test_relations_from_another_process_are_seen_by_the_next_answer_from_the_projection(
    store: GraphStore, backend: Backend, managed_servers: dict[str, ManagedServer]
) -> None:
    """Partners, themes, governance and brokers answer from the projection and values kept beside
    it (the theme tree, the theme-link index, the brokers' ranking): all are rebuilt when another
    process writes."""
    server = managed_servers[backend.name]
    nodes = [("helsinki", "City"), ("tku", "City"), ("c40", "Network"), ("maas", "Theme"), ("mobility", "Theme")]
    store.apply(Batch([parse_node(SCHEMA, {"key": k, "kind": kind, "name_en": k}, "t") for k, kind in nodes]))
    store.apply(
        Batch(relations=[parse_relation(SCHEMA, {"start": "maas", "type": "SUBTHEME_OF", "end": "mobility"}, "t")])
    )

    def asked() -> tuple[object, ...]:
        return (
            [p.entity.key for p in partners_by_themes(store, ["mobility"]).partners],
            [(t.key, t.total_links) for t in theme_overview(store).themes],
            [t.key for t in governance(store).themes_without_partners],
            [(b.entity.key, b.score) for b in brokers(store, top=1).brokers],
        )

    assert asked() == ([], [("maas", 0), ("mobility", 0)], ["maas", "mobility"], [("c40", 0.0)])
    relate_from_another_process(
        backend,
        server,
        [
            {"start": "tku", "type": "TOUCHES", "end": "maas"},
            {"start": "helsinki", "type": "PARTNER_OF", "end": "tku"},
            {"start": "c40", "type": "PARTNER_OF", "end": "tku"},
        ],
    )
    assert asked() == (["tku"], [("maas", 1), ("mobility", 1)], [], [("tku", 1.0)])


def test_every_write_moves_the_counter_and_a_failed_one_does_not(store: GraphStore) -> None:
    start = store.data_version()
    store.apply(Batch([parse_node(SCHEMA, {"key": "tku", "kind": "City", "name_fi": "Turku"}, "t")]))
    after_apply = store.data_version()
    assert after_apply[0] == start[0] + 1
    store.delete(["tku"])
    after_delete = store.data_version()
    assert after_delete[0] == after_apply[0] + 1 and after_delete[1] != after_apply[1]
    store.clear()
    assert store.data_version()[0] > after_delete[0]  # clearing is a write, and the counter survives it
    assert store.counts().total_nodes == 0
    bad = Batch([parse_node(SCHEMA, {"key": "tku", "kind": "Person", "name_fi": "X"}, "t")])
    store.apply(Batch([parse_node(SCHEMA, {"key": "tku", "kind": "City", "name_fi": "Turku"}, "t")]))
    moved = store.data_version()
    with pytest.raises(KindConflict):
        store.apply(bad)  # a kind conflict: the batch rolls back, and so does its bump
    assert store.data_version() == moved


def test_a_map_reads_once_and_still_sees_another_process_write(
    store: GraphStore, backend: Backend, managed_servers: dict[str, ManagedServer]
) -> None:
    """A neighbourhood map reads the graph and the change counter in one statement when this
    process holds the projection; a write by another process in between is still on the next map,
    which then reads the counter anew, and the one-read map equals the one drawn from fresh reads."""
    server = managed_servers[backend.name]
    nodes = [("helsinki", "City"), ("tku", "City"), ("c40", "Network")]
    store.apply(Batch([parse_node(SCHEMA, {"key": k, "kind": kind, "name_en": k}, "t") for k, kind in nodes]))
    store.apply(
        Batch(relations=[parse_relation(SCHEMA, {"start": "helsinki", "type": "MEMBER_OF", "end": "c40"}, "t")])
    )
    asked = NeighbourhoodMap.model_validate({"key": ["helsinki"]})

    def drawn() -> tuple[dict[str, Any], list[str]]:
        with reads_of(store) as reads:
            data = _draw_neighbourhood(store, asked, "en")
        return data.payload(), reads

    drawn()  # the projection is built here, in this process
    payload, statements = drawn()
    assert statements == ["snapshot_keys"]
    assert {n["id"] for n in payload["nodes"]} == {"helsinki", "c40"}
    fresh = neighbourhood(store, ["helsinki"], depth=asked.depth, node_cap=asked.node_cap)
    assert payload == neighbourhood_map(fresh, depth=asked.depth, node_cap=asked.node_cap).payload()

    relate_from_another_process(backend, server, [{"start": "helsinki", "type": "PARTNER_OF", "end": "tku"}])
    payload, statements = drawn()
    assert {n["id"] for n in payload["nodes"]} == {"helsinki", "c40", "tku"}
    assert statements == ["snapshot_keys", "meta_generation", *statements[2:]] and statements[-1] == "snapshot_keys"
    payload, statements = drawn()
    assert statements == ["snapshot_keys"] and {n["id"] for n in payload["nodes"]} == {"helsinki", "c40", "tku"}


def test_kept_answers_give_way_to_another_process_write(
    store: GraphStore, backend: Backend, managed_servers: dict[str, ManagedServer], tmp_path: Path
) -> None:
    """The API keeps answers until the data changes (questions/answer_cache.py): a write by another
    process, which signals this one only through the counter, is on the very next answer."""
    server = managed_servers[backend.name]
    nodes = [("helsinki", "City"), ("tku", "City"), ("c40", "Network")]
    store.apply(Batch([parse_node(SCHEMA, {"key": k, "kind": kind, "name_fi": k}, "t") for k, kind in nodes]))
    store.apply(
        Batch(relations=[parse_relation(SCHEMA, {"start": "helsinki", "type": "MEMBER_OF", "end": "c40"}, "t")])
    )
    with Clients(tmp_path) as clients:
        client = clients(store)
        centre = {"key": "helsinki"}

        def asked() -> tuple[object, ...]:
            return (
                client.get("/entities/tku").json()["name_fi"],
                [r["entity"]["key"] for r in client.get("/search", params={"q": "Åbo"}).json()["results"]],
                sorted(n["key"] for n in client.get("/neighbourhood", params=centre).json()["nodes"]),
                sorted(n["id"] for n in client.get("/maps/neighbourhood.json", params=centre).json()["nodes"]),
            )

        before = asked()
        assert asked() == before == ("tku", [], ["c40", "helsinki"], ["c40", "helsinki"])
        kept = client.app.state.answers  # type: ignore[attr-defined]
        assert kept.hits == 4  # the second round was served from what the first kept
        write_from_another_process(backend, server, "Åbo")
        relate_from_another_process(backend, server, [{"start": "helsinki", "type": "PARTNER_OF", "end": "tku"}])
        assert asked() == ("Åbo", ["tku"], ["c40", "helsinki", "tku"], ["c40", "helsinki", "tku"])
        assert kept.hits == 4
