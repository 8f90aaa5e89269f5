"""Staged loads (graph/staged.py): a batch too large for one transaction commits in chunks and is
still all or nothing, on every database.

The store is the real one on each real server; only its thresholds are lowered (`staged_min`,
`stage_rows`), so that a few hundred records take the path a 10^5-node load takes (the benchmark
runs it once at that size). A failure after chunks committed, a kind conflict in a late chunk, a
write of another process during the load, and a loader killed mid-load must each leave the graph
exactly as it was before the load, contact cards, updated records and the change counter's
freshness included.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Backend
from test_store_contract import node, rel, seed, state

from graph.bolt import BoltStore
from graph.managed import ManagedServer
from graph.model import Batch, Source
from graph.staged import LoadInProgress
from graph.store import DuplicateWrite, GraphStore, KindConflict, Receipt, StoreError
from questions.neighbourhood import neighbourhood_read

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def staged(store: GraphStore) -> Iterator[BoltStore]:
    """The empty store of each server, staging every batch of 40 records or more, 25 per chunk."""
    assert isinstance(store, BoltStore)
    saved = store.staged_min, store.stage_rows
    store.staged_min, store.stage_rows = 40, 25
    yield store
    store.staged_min, store.stage_rows = saved


def big_batch(tail: list[Any] | None = None) -> Batch:
    """New cities and people (half with contact cards), their relations, and changes to the seeded
    records: Tallinn renamed, the officer's card changed, a relation's role changed, provenance added."""
    nodes = [node(key=f"city-{i}", kind="City", name_en=f"City {i}") for i in range(60)]
    nodes += [
        node(key=f"person-{i}", kind="Person", name_en=f"Person {i}", **({"email": f"p{i}@x.org"} if i % 2 else {}))
        for i in range(30)
    ]
    nodes += [
        node(key="tallinn", kind="City", name_fi="Tallinna", name_en="Tallinn (renamed)", aliases=["Tallinnan"]),
        node(key="officer", kind="Person", name_en="Network officer", email="new@example.org", phone="+358 2"),
    ]
    relations = [rel(start=f"city-{i}", type="MEMBER_OF", end="c40") for i in range(60)]
    relations += [rel(start=f"person-{i}", type="CONTACT_FOR", end="c40") for i in range(30)]
    relations.append(rel(start="helsinki", type="PARTNER_OF", end="tallinn", role="sister city", since="2019-01-01"))
    provenance = {"helsinki": [Source(doc="staged-test", quote="Helsinki again.")]}
    return Batch(nodes + (tail or []), relations, provenance=provenance)


def leftovers(store: GraphStore) -> list[dict[str, Any]]:
    """What a staged load keeps while it runs: the lease and its undo records; none must remain."""
    lease = [r for r in store.read("meta_generation") if r.get("load")]
    undo = store.read("load_undo_seqs", {"load": lease[0]["load"]}) if lease else []
    return lease + undo


def test_a_staged_load_writes_what_one_transaction_writes(staged: BoltStore) -> None:
    seed(staged)
    batch = big_batch()
    before = staged.data_version()
    summary = staged.apply(batch)
    assert staged.data_version()[0] == before[0] + 1  # one write, one bump of the counter
    after_staged = state(staged)
    assert leftovers(staged) == []

    staged.clear()
    seed(staged)
    staged.staged_min = 10**9
    reference = staged.apply(batch)
    assert state(staged) == after_staged
    assert summary.as_dict() == reference.as_dict()
    assert summary.created["City"] == 60 and summary.updated["City"] == 2  # tallinn renamed, helsinki's sources


def test_a_staged_load_failing_after_its_chunks_committed_leaves_nothing(staged: BoltStore) -> None:
    """The last chunk (provenance for a key that is nowhere) fails after every other chunk committed:
    created records go, changed ones (node, relation, contact card) get their old properties back."""
    seed(staged)
    before = state(staged)
    version = staged.data_version()
    broken = big_batch()
    broken.provenance["no-such-key"] = [Source(doc="staged-test", quote="fails last")]
    with pytest.raises((KeyError, StoreError)):
        staged.apply(broken)
    assert state(staged) == before
    assert leftovers(staged) == []
    assert staged.data_version() != version  # processes that cached a half load see the counter move
    staged.apply(Batch([node(key="after", kind="City", name_en="After")]))  # writes go on


def _card(store: GraphStore) -> tuple[Any, Any]:
    rows = store.read("contacts_existing", {"keys": ["officer"]})
    return rows[0]["props"].get("email"), rows[0]["props"].get("phone")


def test_the_contact_card_changed_by_a_failed_staged_load_is_restored(staged: BoltStore) -> None:
    seed(staged)
    broken = big_batch()
    broken.provenance["no-such-key"] = [Source(doc="staged-test", quote="fails last")]
    with pytest.raises((KeyError, StoreError)):
        staged.apply(broken)
    assert _card(staged) == ("officer@example.org", "+358 1")
    assert staged.read("contacts_existing", {"keys": ["person-1", "person-3"]}) == []


def test_a_contact_card_a_failed_staged_load_created_for_an_existing_person_is_removed(staged: BoltStore) -> None:
    seed(staged)
    staged.apply(Batch([node(key="aino", kind="Person", name_en="Aino Aalto")]))  # a person with no card
    assert staged.read("contacts_existing", {"keys": ["aino"]}) == []
    broken = big_batch([node(key="aino", kind="Person", name_en="Aino Aalto", email="aino@example.org")])
    broken.provenance["no-such-key"] = [Source(doc="staged-test", quote="fails last")]
    with pytest.raises((KeyError, StoreError)):
        staged.apply(broken)
    assert staged.read("contacts_existing", {"keys": ["aino"]}) == []
    assert leftovers(staged) == []


def test_a_kind_conflict_in_a_late_chunk_rolls_back_the_chunks_before_it(staged: BoltStore) -> None:
    seed(staged)
    before = state(staged)
    clash = node(key="c40", kind="City", name_en="C40 as a city")  # exists as a Network; the last node chunk
    with pytest.raises(KindConflict):
        staged.apply(big_batch(tail=[clash]))
    assert state(staged) == before
    assert leftovers(staged) == []


def test_other_writes_wait_for_a_staged_load_and_its_receipt_counts_once(staged: BoltStore) -> None:
    seed(staged)
    refused: list[BaseException] = []

    def write_meanwhile(_count: int) -> None:  # between the node chunks and the relation chunks
        try:
            staged.apply(Batch([node(key="meanwhile", kind="City", name_en="Meanwhile")]))
        except LoadInProgress as exc:
            refused.append(exc)

    receipt = Receipt("staged-receipt", "2026-12-01T12:00:00+00:00")
    staged.apply(big_batch(), progress=write_meanwhile, receipt=receipt)
    assert len(refused) == 2 and staged.kinds_of(["meanwhile"]) == {}
    assert staged.committed(["staged-receipt"]) == {"staged-receipt"}
    with pytest.raises(DuplicateWrite):
        staged.apply(big_batch(), receipt=receipt)
    assert leftovers(staged) == []


LOADER = textwrap.dedent(
    """
    import json, os, signal, sys
    from graph.bolt import BoltStore
    from test_staged_load import big_batch

    uri, user, password, database = json.loads(sys.argv[1])
    store = BoltStore(uri, (user, password), database)
    store.staged_min, store.stage_rows = 40, 25

    def crash(_count):  # after the node chunks committed: the loader dies, nothing runs after this
        print("nodes written", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    store.apply(big_batch(), progress=crash)
    """
)


def kill_a_loader_mid_load(staged: BoltStore, server: ManagedServer) -> None:
    """`LOADER` in another process: it dies (SIGKILL) with its node chunks committed."""
    args = json.dumps([staged.uri, *server.auth, server.database])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), str(ROOT / "tests")))}
    done = subprocess.run([sys.executable, "-c", LOADER, args], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == -signal.SIGKILL and "nodes written" in done.stdout, done.stderr[-2000:]


def test_a_loader_killed_mid_load_leaves_no_half_load_behind(
    staged: BoltStore, backend: Backend, managed_servers: dict[str, ManagedServer]
) -> None:
    """Another process's staged load dies (SIGKILL) with its node chunks committed. The next reader
    here (`data_version`, which every question reads first) sees the abandoned lease and rolls the
    load back before answering; the committed chunks were never counted as a write."""
    seed(staged)
    before = state(staged)
    version = staged.data_version()
    kill_a_loader_mid_load(staged, managed_servers[backend.name])
    assert staged.kinds_of(["city-0"]) == {"city-0": "City"}  # the dead load's chunks, not yet settled
    settled = staged.data_version()
    assert settled != version
    assert state(staged) == before
    assert leftovers(staged) == []


def test_a_map_after_a_killed_loader_settles_its_lease_first(
    staged: BoltStore, backend: Backend, managed_servers: dict[str, ManagedServer]
) -> None:
    """A map's one read (the graph with the change counter) meets the dead load's lease: it takes
    no counter from it, and asks again through `data_version`, which rolls the load back first;
    the map shows the graph as it was before the load."""
    seed(staged)
    before = state(staged)
    drawn_before = neighbourhood_read(staged, ["helsinki"], depth=1).graph  # the projection is held from here
    kill_a_loader_mid_load(staged, managed_servers[backend.name])
    assert staged.snapshot_as_read(["helsinki"])[0] is None  # the lease: no counter
    drawn = neighbourhood_read(staged, ["helsinki"], depth=1).graph
    assert leftovers(staged) == [] and state(staged) == before
    assert sorted(drawn.nodes(data=True)) == sorted(drawn_before.nodes(data=True))
    assert sorted(drawn.edges(keys=True)) == sorted(drawn_before.edges(keys=True))
    assert staged.snapshot_as_read(["helsinki"])[0] == staged.data_version()
