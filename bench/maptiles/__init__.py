"""The map/tiles suite: measurements (a)–(f) of issue 3's Performance section, one module each."""

from __future__ import annotations

from collections.abc import Callable

from bench.maptiles import aggregates, caching, context, drilldown, endpoint, geojson, stored
from bench.report import Row
from bench.suites import SuiteOptions

# (key, what it compares, the module that measures it) — run in this order; (d) edits, so it runs last.
MEASUREMENTS: tuple[tuple[str, str, Callable[[context.TilesBench], list[Row]]], ...] = (
    ("a", "endpoint (full Django stack) vs the tile SQL replayed on a cursor", endpoint.run),
    ("b", "stored Web-Mercator tile SQL vs transform-on-read reference SQL", stored.run),
    ("c", "z14 view: MVT buildings tiles vs the GeoJSON API", geojson.run),
    ("e", "low-zoom incident tiles: aggregated vs raw points", aggregates.run),
    ("f", "building drill-down: queries and time vs its raw SQL", drilldown.run),
    ("d", "cached tile (304) vs cold render; an edit changes the ETag", caching.run),
)


def run(options: SuiteOptions) -> list[Row]:
    rows: list[Row] = []
    with context.bench_settings():
        bench = context.build(options.samples, options.repeats, options.seed)
        for key, _, measure in MEASUREMENTS:
            if not options.only or key in options.only:
                options.progress(f"({key}) …")
                rows += measure(bench)
    return rows
