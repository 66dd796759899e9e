"""(b) The current tile SQL (stored Web-Mercator copies) vs bench/sql/<layer>_transform_on_read.sql."""

from __future__ import annotations

from bench.gates import aggregated_total, same_bytes
from bench.maptiles.calls import fetch_recording, reference_call, run_raw
from bench.maptiles.context import SAMPLE_ZOOMS, TilesBench
from bench.report import Goal, Row, Stats, median
from bench.timing import timed
from tiles.sources import REGISTRY

GOAL = Goal("<=", 0.8)


def run(bench: TilesBench) -> list[Row]:
    viewer = bench.admin
    rows = []
    for source in REGISTRY.values():
        name = f"{source.name}_transform_on_read"
        for z in SAMPLE_ZOOMS:
            if not source.minzoom <= z <= source.maxzoom:
                continue
            ours_ms, ref_ms, sizes, gates = [], [], [], []
            for coord in viewer.sample[z]:
                reference = reference_call(name, coord, viewer.prefix)
                data, calls = fetch_recording(viewer.client, source.name, coord)
                if reference is None or not calls:
                    continue
                ours = timed(lambda calls=calls: run_raw(calls), bench.repeats)
                ref = timed(lambda reference=reference: run_raw([reference]), bench.repeats)
                ours_ms.append(ours.ms)
                ref_ms.append(ref.ms)
                sizes.append(len(data))
                gates.append(tile_gate(ours.result, ref.result))
            if ours_ms:
                rows.append(Row("b stored/on-read SQL", source.name, f"z{z}", Stats.of(ours_ms),
                                Stats.of(ref_ms), median(o / r for o, r in zip(ours_ms, ref_ms, strict=True)),
                                GOAL, gate_ok=None if None in gates else all(gates),
                                bytes_p50=Stats.of(sizes).p50, bytes_max=max(sizes),
                                note="aggregated here; reference is raw points" if None in gates else ""))
    return rows


def tile_gate(ours: bytes, reference: bytes) -> bool | None:
    """Same bytes; None (not comparable) when ours is an aggregated tile and the reference is not."""
    if same_bytes(ours, reference):
        return True
    return None if aggregated_total(ours) is not None and aggregated_total(reference) is None else False
