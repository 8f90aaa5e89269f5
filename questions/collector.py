"""Python's cyclic garbage collector and the long-lived structures questions build.

The projection and the search index are millions of small acyclic objects that live until the
change counter moves. While they build, the collector is paused (its passes would cost a third of
a build); once built, they are frozen out of its reach (`gc.freeze`), so that the full passes
later allocations trigger do not walk them: unfrozen, one such pass took 60 ms at 10^4 entities,
the spikes in the routes' p99. Frozen objects are still freed by reference counting when dropped.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _LongLived:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._builds = 0  # builds under way that paused the collector

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            paused = self._builds > 0 or gc.isenabled()
            if paused:
                gc.disable()
                self._builds += 1
        try:
            yield
        finally:
            if paused:
                with self._lock:
                    self._builds -= 1
                    if self._builds == 0:
                        gc.freeze()  # what was built (and whatever else lives now) is left out of full passes
                        gc.enable()


long_lived = _LongLived()  # `with long_lived(): build()`: paused while building, frozen after
