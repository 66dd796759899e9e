"""The measurements: each contender timed into an empty target, then the gates and the table rows."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.imports import gates, layermapping, ogr, ours, residents, scratch
from bench.imports.source import Inputs
from bench.report import Goal, Row, Stats

VS_OGR = Goal(">=", 0.7)
VS_LAYERMAPPING = Goal(">=", 50)
OURS_SNAPSHOT = "bench_ours_buildings"  # our full result, kept while LayerMapping writes into layers_building
OURS_SAMPLE = "bench_ours_sample"  # our rows for the codes LayerMapping wrote
LM_SNAPSHOT = "bench_lm_buildings"
LAYERMAPPING_TOLERANCE = 1e-9  # degrees (~0.1 mm): LayerMapping saves through 15-significant-digit WKT
LIKE_TARGET = ("ogr2ogr (PGDump COPY | psql) appending into CREATE TABLE (LIKE layers_building INCLUDING ALL): the "
               "same NOT NULLs, CHECKs (valid footprint, floors range), generated EPSG:3857 column and all 9 indexes "
               "(2 GiST, 2 trigram GIN, 5 btree); no foreign keys, no trigger; no validation, no grids or villages")
TARGET = ("layers_building: its constraints (code unique, valid footprint, floors range), generated EPSG:3857 "
          "column, 2 GiST + 2 trigram GIN indexes (built once after the insert: the table is empty), change trigger; "
          "validated, grids and villages assigned")


@dataclass
class ImportRow(Row):
    """A table row with the import figures the JSON keeps as numbers."""

    ours_rows_per_s: float | None = None
    reference_rows_per_s: float | None = None
    peak_rss_mb: float | None = None
    rows_in: int | None = None


def _stats(seconds: list[float]) -> Stats:
    return Stats.of([s * 1000 for s in seconds])


def _repeat(run: Callable[[], float], repeats: int, say: Callable[[str], None], label: str) -> list[float]:
    times = []
    for i in range(max(1, repeats)):
        times.append(run())
        say(f"  {label} run {i + 1}: {times[-1]:.1f} s")
    return times


def run(inputs: Inputs, repeats: int, say: Callable[[str], None]) -> list[Row]:
    n, k = inputs.count, inputs.sample_count
    with scratch.using():
        say(f"ogr2ogr: {n:,} buildings …")
        ogr_s = _repeat(lambda: ogr.load(inputs.buildings), repeats, say, "ogr2ogr")
        say(f"ogr2ogr into a copy of layers_building: {n:,} buildings …")
        like_s = _repeat(lambda: ogr.load_like(inputs.buildings), repeats, say, "ogr2ogr (same target)")

        def ours_run() -> float:
            scratch.empty()
            result = ours.load("buildings", inputs.buildings)
            runs.append(result)
            return result.seconds

        runs: list[ours.Run] = []
        say(f"our importer: {n:,} buildings …")
        ours_s = _repeat(ours_run, repeats, say, "ours")
        versus_ogr = gates.compare("layers_building", scratch.OGR_TABLE)
        versus_like = gates.compare("layers_building", ogr.LIKE_TABLE)
        gates.snapshot(OURS_SNAPSHOT)
        say(f"LayerMapping: {k:,}-feature sample …")

        def lm_run() -> float:
            scratch.empty()
            return layermapping.load(inputs.sample)

        lm_s = _repeat(lm_run, 1, say, "LayerMapping")
        gates.snapshot(LM_SNAPSHOT)
        gates.snapshot(OURS_SAMPLE, source=OURS_SNAPSHOT, codes_from=LM_SNAPSHOT)
        versus_lm = gates.compare(LM_SNAPSHOT, OURS_SAMPLE, LAYERMAPPING_TOLERANCE)
        scratch.empty()
    ours_rps, ogr_rps, lm_rps = n / statistics.median(ours_s), n / statistics.median(ogr_s), k / statistics.median(lm_s)
    like_rps = n / statistics.median(like_s)
    last = runs[-1]
    all_in = last.report["rejected"] == 0 and last.report["inserted"] == n
    gate_ours = versus_ogr.ok and all_in
    return [
        ImportRow("imports vs ogr2ogr", "buildings gpkg", f"{n // 1000}k", _stats(ours_s), _stats(ogr_s),
                  ours_rps / ogr_rps, VS_OGR, gate_ok=gate_ours, ours_rows_per_s=ours_rps, reference_rows_per_s=ogr_rps,
                  peak_rss_mb=last.peak_rss_mb, rows_in=n,
                  note=f"ours {ours_rps:,.0f} rows/s, ogr2ogr {ogr_rps:,.0f} rows/s; "
                       f"peak RSS {last.peak_rss_mb:,.0f} MB; {versus_ogr.describe()}; "
                       f"{last.report['assigned']:,} assigned to grids; target {TARGET}"),
        ImportRow("imports vs ogr2ogr, same target", "buildings gpkg", f"{n // 1000}k", _stats(ours_s),
                  _stats(like_s), ours_rps / like_rps, None, gate_ok=versus_like.ok and all_in,
                  ours_rows_per_s=ours_rps, reference_rows_per_s=like_rps, rows_in=n,
                  note=f"ours {ours_rps:,.0f} rows/s, ogr2ogr into an identical table {like_rps:,.0f} rows/s; "
                       f"{versus_like.describe()}; reference {LIKE_TARGET}"),
        ImportRow("imports vs LayerMapping", "buildings gpkg", f"{k // 1000}k", _stats(ours_s), _stats(lm_s),
                  ours_rps / lm_rps, VS_LAYERMAPPING, gate_ok=versus_lm.ok,
                  ours_rows_per_s=ours_rps, reference_rows_per_s=lm_rps, rows_in=k,
                  note=f"LayerMapping on a {k:,}-feature sample (first features): {lm_rps:,.0f} rows/s (ours on "
                       f"all {n:,}); {versus_lm.describe()}"),
    ]


def residents_rows(inputs: Inputs, files: tuple[Path, Path], say: Callable[[str], None]) -> list[Row]:
    """Buildings (ours, once, untimed), households in SQL, then each residents file into an empty table."""
    with scratch.using():
        scratch.empty()
    say("residents: buildings and households first …")
    ours.load("buildings", inputs.buildings)
    with scratch.using():
        households = residents.create_households()
    rows: list[Row] = []
    for path in files:
        with scratch.using():
            scratch.empty("layers_resident")
        say(f"our importer: residents from {path.name} …")
        try:
            result = ours.load("residents", path)
        except RuntimeError as exc:  # the import failed: a failed row, not a lost suite
            rows.append(ImportRow("imports residents", path.suffix.lstrip(".").upper(), "", gate_ok=False,
                                  note=str(exc)[-300:]))
            continue
        report = result.report
        rps = report["read"] / result.seconds
        ok = report["rejected"] == 0 and report["inserted"] == report["read"]
        rows.append(ImportRow("imports residents", path.suffix.lstrip(".").upper(), f"{report['read'] // 1000}k",
                              _stats([result.seconds]), None, None, None, gate_ok=ok, ours_rows_per_s=rps,
                              peak_rss_mb=result.peak_rss_mb, rows_in=report["read"],
                              note=f"{rps:,.0f} rows/s; {report['inserted']:,} inserted, {report['rejected']:,} "
                                   f"rejected; into {households:,} households; peak RSS {result.peak_rss_mb:,.0f} MB"))
    return rows
