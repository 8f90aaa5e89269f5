"""The shared read of the change counter (graph/coalesce.py): threads asking at once share one
read, and no thread ever gets a read that began before it asked, so a write committed before a
question is always seen. On both databases (ArcadeDB and Neo4j): concurrent questions read the
counter fewer times than they are, a write between two questions moves the second's counter, and
the questions the API answers on its event loop read no counter there."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from graph.coalesce import FreshRead
from graph.model import Batch, NodeRecord
from graph.store import GraphStore
from questions.projection import pinned, view
from questions.registry import QUESTIONS


class Counter:
    """A value that moves on `bump()`; each fetch reads it when it starts, then takes `delay`."""

    def __init__(self, delay: float = 0.0) -> None:
        self.value = 0
        self.delay = delay
        self.started: list[float] = []
        self.gate: threading.Event | None = None

    def fetch(self) -> tuple[int, float]:
        began = time.perf_counter()
        self.started.append(began)
        value = self.value
        if self.gate is not None:
            self.gate.wait(5)
        time.sleep(self.delay)
        return value, began


def test_every_caller_gets_a_read_that_began_after_it_called() -> None:
    counter = Counter(delay=0.002)
    shared = FreshRead(counter.fetch)
    late: list[str] = []

    def ask() -> None:
        for _ in range(40):
            asked = time.perf_counter()
            _, began = shared.read()
            if began < asked:
                late.append(f"a read that began {asked - began:.6f} s before the call")

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(ask) for _ in range(8)]:
            future.result()
    assert not late
    assert shared.reads == len(counter.started) < 8 * 40  # shared: fewer reads than calls


def test_a_caller_arriving_during_a_read_waits_for_the_next_and_sees_a_change_made_before_it() -> None:
    counter = Counter()
    counter.gate = threading.Event()
    shared = FreshRead(counter.fetch)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(shared.read)
        while not counter.started:  # the first read is in flight, holding the old value
            time.sleep(0.001)
        counter.value = 1  # a write committed now, before the next callers ask
        later = [pool.submit(shared.read) for _ in range(3)]
        time.sleep(0.05)
        assert not any(f.done() for f in later)  # they do not take the read in flight
        counter.gate.set()
        assert first.result()[0] == 0
        assert [f.result()[0] for f in later] == [1, 1, 1]
    assert shared.reads == 2  # the three arriving together shared one read


def test_an_error_reaches_the_callers_of_that_read_and_the_next_read_tries_again() -> None:
    calls = [0]

    def fetch() -> int:
        calls[0] += 1
        if calls[0] == 1:
            raise ConnectionError("database down")
        return calls[0]

    shared = FreshRead(fetch)
    with pytest.raises(ConnectionError, match="database down"):
        shared.read()
    assert shared.read() == 2


def test_concurrent_questions_share_counter_reads_and_see_a_write(store: GraphStore) -> None:
    before = store.data_version()
    node = NodeRecord(kind="Theme", key="coalesce-test", name_en="Coalesce test")
    store.apply(Batch(nodes=[node]))
    after = store.data_version()
    assert after != before  # a write committed before the call is seen
    reads = store._version_read.reads  # type: ignore[attr-defined]
    with ThreadPoolExecutor(16) as pool:
        seen = list(pool.map(lambda _: store.data_version(), range(200)))
    assert set(seen) == {after}
    assert store._version_read.reads - reads < 200  # type: ignore[attr-defined]


SAMPLES = {
    "partners": {"theme": ["smart-city"]},
    "paths": {"start": "helsinki", "end": "tallinn"},
    "neighbourhood": {"key": ["tallinn"], "depth": 2},
}


def test_projection_questions_on_a_pinned_view_read_no_counter_and_answer_the_same(helsinki_store: GraphStore) -> None:
    """What the API answers on its event loop (`from_projection`): after the view is brought up to
    date off the loop, the answer reads the counter no more, and is the answer asked plainly."""
    store = helsinki_store
    asked = [q for q in QUESTIONS if q.from_projection]
    assert {q.name for q in asked} >= {"partners", "paths", "neighbourhood", "governance", "themes"}
    for question in asked:
        params = question.params.model_validate(SAMPLES.get(question.name, {}))
        plain = question.ask_json(store, params)
        at = view(store)
        reads = store._version_read.reads  # type: ignore[attr-defined]
        with pinned(at):
            assert question.ask_json(store, params) == plain, question.name
        assert store._version_read.reads == reads, question.name  # type: ignore[attr-defined]
    outside = store._version_read.reads  # type: ignore[attr-defined]
    view(store)
    assert store._version_read.reads == outside + 1  # type: ignore[attr-defined]  # unpinned: a read each
