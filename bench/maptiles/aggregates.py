"""(e) Low-zoom incident tiles: the (pre-)aggregated tile SQL vs bench/sql/incidents_points.sql."""

from __future__ import annotations

from pathlib import Path

from django.db import connection

from bench.gates import aggregated_total, counts_add_up
from bench.maptiles.calls import fetch_recording, reference_call, run_raw, tile_params
from bench.maptiles.context import AGGREGATE_ZOOMS, TilesBench
from bench.report import Goal, Row, Stats, median
from bench.timing import timed
from tiles.service import TileCoord
from tiles.sources import REGISTRY

LAYER = "incidents"
GOAL = Goal("<=", 0.05)
SIZE_GOAL = Goal("<=", 500, "KB")
MAX_TILES = 5  # per zoom: a raw-point tile of the whole city takes seconds
COUNTS_SQL = (Path(__file__).resolve().parent.parent / "queries" / "incident_point_counts.sql").read_text("utf-8")


def raw_counts(coord: TileCoord, prefix: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL, tile_params(coord, prefix))
        return tuple(cursor.fetchone())


def zoom_row(bench: TilesBench, z: int) -> Row:
    viewer, source = bench.admin, REGISTRY[LAYER]
    if not source.minzoom <= z <= source.maxzoom:
        return Row("e aggregated/points", LAYER, f"z{z}", goal=GOAL, note=f"n/a: layer not served at z{z}")
    ours_ms, ref_ms, sizes, gates, notes = [], [], [], [], []
    for coord in viewer.sample[z][:MAX_TILES]:
        data, calls = fetch_recording(viewer.client, LAYER, coord)
        total = aggregated_total(data)
        points = reference_call("incidents_points", coord, viewer.prefix)
        if not calls or points is None:
            continue
        ours = timed(lambda calls=calls: run_raw(calls), bench.repeats)
        ref = timed(lambda points=points: run_raw([points]), bench.repeats)
        ours_ms.append(ours.ms)
        ref_ms.append(ref.ms)
        sizes.append(len(data))
        counts = raw_counts(coord, viewer.prefix)
        gates.append(None if total is None else counts_add_up(total, counts))
        notes.append(f"{total}≠{counts}" if gates[-1] is False else "")
    if not ours_ms:
        return Row("e aggregated/points", LAYER, f"z{z}", goal=GOAL, note="n/a: no tile SQL ran")
    aggregated = all(g is not None for g in gates)
    return Row("e aggregated/points", LAYER, f"z{z}", Stats.of(ours_ms), Stats.of(ref_ms),
               median(o / r for o, r in zip(ours_ms, ref_ms, strict=True)) if aggregated else None, GOAL,
               gate_ok=all(gates) if aggregated else None, bytes_p50=Stats.of(sizes).p50, bytes_max=max(sizes),
               note=" ".join(n for n in notes if n) or ("" if aggregated else "n/a: tiles are not aggregated here"))


def run(bench: TilesBench) -> list[Row]:
    rows = [zoom_row(bench, z) for z in AGGREGATE_ZOOMS]
    measured = [r for r in rows if r.bytes_max is not None]
    if measured:
        largest = max(r.bytes_max for r in measured)
        rows.append(Row("e tile size max", LAYER, f"z{AGGREGATE_ZOOMS[0]}-{AGGREGATE_ZOOMS[-1]}",
                        value=largest / 1024, goal=SIZE_GOAL, bytes_max=largest))
    return rows

