"""One read shared by the callers that ask for it at once, never a read older than the asking.

Every question reads the database's change counter first, so that no answer is stale. Under load
many requests of one process ask for it at the same moment; each needs *a* value read after it
asked, not a read of its own. `FreshRead` gives each caller the result of a read that began no
earlier than the caller asked: a caller arriving while a read is in flight waits for that one to
end and shares the next one with everyone else who arrived meanwhile. A write committed before a
caller asked is therefore always seen (the read it gets began later), and N concurrent callers cost
at most two reads instead of N.

When "asked" is the moment a request arrived (`asked_at`), every read of the counter while it is
answered shares the first read that began after its arrival: one read a request, shared by the
requests in flight.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar, cast

T = TypeVar("T")

# When the request being answered arrived (time.monotonic_ns), where a request is; else None.
_ASKED_AT: contextvars.ContextVar[int | None] = contextvars.ContextVar("asked_at", default=None)


@contextlib.contextmanager
def asked_now() -> Iterator[None]:
    """Within this block (and the threads it hands work to), fresh reads need only have begun
    after this moment: the request's arrival."""
    token = _ASKED_AT.set(time.monotonic_ns())
    try:
        yield
    finally:
        _ASKED_AT.reset(token)


class FreshRead(Generic[T]):
    """`read()`: `fetch()`'s result from a call that began no earlier than `read()` was called
    (or than the request being answered arrived, inside `asked_now()`)."""

    def __init__(self, fetch: Callable[[], T]):
        self._fetch = fetch
        self._changed = threading.Condition()
        self._in_flight: int | None = None  # when the read under way began
        self._began: int | None = None  # when the last finished read began
        self._outcome: tuple[T | None, BaseException | None] = (None, None)
        self.reads = 0  # reads made, for tests and the benchmark

    def read(self) -> T:
        asked = _ASKED_AT.get()
        with self._changed:
            since = time.monotonic_ns() if asked is None else asked
            while self._began is None or self._began < since:
                if self._in_flight is not None:
                    self._changed.wait()  # the read under way, or the next one, will do
                    continue
                began = self._in_flight = time.monotonic_ns()
                self._changed.release()
                try:
                    outcome: tuple[T | None, BaseException | None] = (self._fetch(), None)
                except BaseException as exc:  # handed to every caller that waited for this read
                    outcome = (None, exc)
                finally:
                    self._changed.acquire()
                self._in_flight, self._began, self._outcome = None, began, outcome
                self.reads += 1
                self._changed.notify_all()
            value, error = self._outcome
            if error is not None:  # only callers that asked before the failed read began get it
                raise error
            return cast(T, value)
