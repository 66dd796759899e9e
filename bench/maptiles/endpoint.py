"""(a) The tile endpoint through the full Django stack vs the same tile SQL replayed on a cursor."""

from __future__ import annotations

from dataclasses import dataclass

from bench.gates import same_bytes
from bench.maptiles.calls import fetch_recording, run_raw, tile_url
from bench.maptiles.context import SAMPLE_ZOOMS, TilesBench, Viewer
from bench.report import Goal, Row, Stats, median
from bench.timing import timed
from tiles.service import TileCoord
from tiles.sources import REGISTRY

LARGE_MS = 5.0  # tiles whose raw SQL takes at least this long are compared by ratio, smaller ones by overhead
RATIO_GOAL = Goal("<=", 1.2)
OVERHEAD_GOAL = Goal("<=", 1.5, "ms")
SIZE_GOAL = Goal("<=", 500, "KB")


@dataclass(frozen=True)
class TileTiming:
    coord: TileCoord
    endpoint_ms: float
    raw_ms: float
    size: int
    same: bool


def measure_tile(viewer: Viewer, layer: str, coord: TileCoord, repeats: int) -> TileTiming | None:
    """None when the endpoint ran no tile SQL for this tile (nothing to compare with)."""
    data, calls = fetch_recording(viewer.client, layer, coord)
    if not calls:
        return None
    url = tile_url(layer, coord)
    endpoint = timed(lambda: viewer.client.get(url), repeats)
    raw = timed(lambda: run_raw(calls), repeats)
    return TileTiming(coord, endpoint.ms, raw.ms, len(data), same_bytes(data, raw.result))


def group_rows(label: str, z: int, timings: list[TileTiming]) -> list[Row]:
    """One ratio row for the large tiles, one overhead row for the small ones (when there are any)."""
    rows = []
    large = [t for t in timings if t.raw_ms >= LARGE_MS]
    small = [t for t in timings if t.raw_ms < LARGE_MS]
    for name, group, goal, value in (
        ("a endpoint/raw >=5ms", large, RATIO_GOAL, lambda g: median(t.endpoint_ms / t.raw_ms for t in g)),
        ("a endpoint-raw <5ms", small, OVERHEAD_GOAL, lambda g: median(t.endpoint_ms - t.raw_ms for t in g)),
    ):
        if group:
            rows.append(Row(name, label, f"z{z}", Stats.of([t.endpoint_ms for t in group]),
                            Stats.of([t.raw_ms for t in group]), value(group), goal,
                            gate_ok=all(t.same for t in group),
                            bytes_p50=Stats.of([t.size for t in group]).p50,
                            bytes_max=max(t.size for t in group)))
    return rows


def size_row(layer: str, timings: list[TileTiming]) -> Row:
    largest = max(t.size for t in timings)
    worst = max(timings, key=lambda t: t.size).coord
    return Row("tile size max", layer, "z10-17", value=largest / 1024, goal=SIZE_GOAL,
               bytes_p50=Stats.of([t.size for t in timings]).p50, bytes_max=largest,
               note=f"largest z{worst.z}/{worst.x}/{worst.y}")


def run(bench: TilesBench) -> list[Row]:
    rows: list[Row] = []
    for viewer in bench.viewers:
        for source in REGISTRY.values():
            label = f"{source.name} [{viewer.label}]"
            every: list[TileTiming] = []
            for z in SAMPLE_ZOOMS:
                if not source.minzoom <= z <= source.maxzoom:
                    continue
                timings = [t for coord in viewer.sample[z]
                           if (t := measure_tile(viewer, source.name, coord, bench.repeats))]
                rows += group_rows(label, z, timings)
                every += timings
            if every and viewer is bench.admin:
                rows.append(size_row(source.name, every))
    return rows
