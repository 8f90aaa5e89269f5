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

import pytest
from conftest import Backend
from test_questions_support import SCHEMA

from graph.managed import ManagedServer
from graph.model import Batch, parse_node
from graph.store import GraphStore, KindConflict
from questions.entity import entity
from questions.search import search

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent(
    """
    import json, sys
    from graph.bolt import BoltStore
    from graph.model import Batch, parse_node
    from graph.schema import load_schema

    uri, user, password, database, name = json.loads(sys.argv[1])
    with BoltStore(uri, (user, password), database) as store:
        node = parse_node(load_schema(), {"key": "tku", "kind": "City", "name_fi": name}, "other process")
        store.apply(Batch([node]))
        print(json.dumps(store.data_version()))
    """
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
