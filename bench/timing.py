"""Timing one call: a warm-up run, then the median of a few repeats (fewer when a call is slow)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bench.report import median

T = TypeVar("T")

# A call slower than this (seconds, measured at warm-up) is timed once more instead of `repeats` times.
SLOW_CALL_S = 1.0


@dataclass(frozen=True)
class Timed(Generic[T]):
    ms: float  # median of the timed runs, milliseconds
    result: T  # what the warm-up run returned
    runs: int


def timed(fn: Callable[[], T], repeats: int) -> Timed[T]:
    """Warm up once (its result is returned), then time ``repeats`` runs and take the median."""
    start = time.perf_counter()
    result = fn()
    warm = time.perf_counter() - start
    runs = 1 if warm > SLOW_CALL_S else max(1, repeats)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timed(median(samples) * 1000, result, runs)


def timed_pair(ours: Callable[[], T], reference: Callable[[], T], repeats: int) -> tuple[Timed[T], Timed[T]]:
    """Time two calls on the same input back to back, so that both see the same cache state."""
    return timed(ours, repeats), timed(reference, repeats)
