"""Correctness gates: a figure only counts when ours and the reference produced the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import mapbox_vector_tile

# Property names an aggregated (clustered / binned) point feature carries its number of points in.
COUNT_KEYS = ("count", "point_count", "total", "n", "incidents")
EXTENT = 4096


def same_bytes(ours: bytes, reference: bytes) -> bool:
    return bytes(ours) == bytes(reference)


def decode(tile: bytes) -> dict:
    return mapbox_vector_tile.decode(tile) if tile else {}


def feature_ids(tile: bytes) -> set[int]:
    """Feature ids of every layer of one tile."""
    return {f["id"] for layer in decode(tile).values() for f in layer["features"] if f.get("id") is not None}


def feature_codes(tile: bytes) -> set[str]:
    """The ``code`` property of every feature of one tile (what identifies a building in the API too)."""
    return {f["properties"]["code"] for layer in decode(tile).values() for f in layer["features"]
            if "code" in f["properties"]}


@dataclass(frozen=True)
class IdComparison:
    missing: frozenset  # in the reference only
    extra: frozenset  # in ours only

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra

    def describe(self) -> str:
        return "same ids" if self.ok else f"{len(self.missing)} missing, {len(self.extra)} extra"


def compare_ids(ours: Iterable, reference: Iterable) -> IdComparison:
    a, b = set(ours), set(reference)
    return IdComparison(frozenset(b - a), frozenset(a - b))


def count_of(properties: dict) -> int | None:
    for key in COUNT_KEYS:
        value = properties.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def aggregated_total(tile: bytes) -> int | None:
    """Sum of the per-feature point counts, or None when the tile's features carry no count (not aggregated)."""
    counts = [count_of(f["properties"]) for layer in decode(tile).values() for f in layer["features"]]
    if not counts or any(c is None for c in counts):
        return None
    return sum(counts)


def counts_add_up(total: int, raw_counts: Iterable[int]) -> bool:
    """The aggregated total equals the raw point count of the tile (either inside it, or with its buffer)."""
    return total in set(raw_counts)


def same_query_count(counts: Iterable[int]) -> bool:
    return len(set(counts)) <= 1


def fixed_query_count(full: Iterable[int], partial: Iterable[int]) -> bool:
    """Every fully populated building takes the same number of queries, whatever its size, and one
    lacking a level (no units, no households) no more than that.

    (Django skips a nested prefetch when its parent list is empty, so a partial building takes fewer.)
    """
    counts = set(full)
    return len(counts) <= 1 and all(n <= min(counts, default=n) for n in partial)
