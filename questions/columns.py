"""Column helpers shared by the questions' hot loops (the projection, the search index)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
IntT = TypeVar("IntT", bound=np.integer[Any])


def gather(values: Sequence[T], indices: Sequence[int]) -> Sequence[T]:
    """`[values[i] for i in indices]` at C speed (operator.itemgetter): the answers' hot loops
    read a dozen such columns for thousands of entities or relations."""
    if len(indices) < 2:
        return [values[i] for i in indices]
    return cast(tuple[T, ...], itemgetter(*indices)(values))


def look_up(mapping: Mapping[K, T], keys: Sequence[K]) -> Sequence[T]:
    """`[mapping[k] for k in keys]`, as `gather` does it."""
    if len(keys) < 2:
        return [mapping[k] for k in keys]
    return cast(tuple[T, ...], itemgetter(*keys)(mapping))


def distinct(values: npt.NDArray[IntT]) -> npt.NDArray[IntT]:
    """`np.unique(values)` for integers: numpy 2.4's unique hashes, which measured 10-15× slower
    than this sort (2,000-200,000 values; a microbenchmark outside `make bench`)."""
    ordered = np.sort(values)
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def is_in(values: npt.NDArray[np.integer[Any]], wanted: Iterable[int], size: int) -> npt.NDArray[np.bool_]:
    """`np.isin(values, wanted)` for ids in `range(size)`, through a lookup table: numpy's isin
    took 1.4 ms for 10^5 kind ids against two (a microbenchmark outside `make bench`)."""
    table = np.zeros(size, dtype=bool)
    table[np.fromiter(wanted, dtype=np.int64)] = True
    found: npt.NDArray[np.bool_] = table[values]
    return found
