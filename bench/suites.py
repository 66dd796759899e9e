"""The benchmark suites, as a table: name → the module whose ``run(options)`` returns rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module


@dataclass(frozen=True)
class SuiteOptions:
    samples: int = 15  # tiles per zoom (and what other sample sizes derive from)
    repeats: int = 3  # timed runs per measurement after a warm-up; the median is kept
    seed: int = 20240601
    only: frozenset[str] = frozenset()  # measurement keys to run; empty = all
    progress: Callable[[str], None] = field(default=lambda message: None, compare=False)


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    module: str  # has run(options: SuiteOptions) -> list[Row]

    def runner(self) -> Callable:
        return import_module(self.module).run


SUITES = {suite.name: suite for suite in (
    Suite("tiles", "map tiles: endpoint, stored SQL, MVT vs GeoJSON, caching, aggregation, drill-down",
          "bench.maptiles"),
    Suite("figures", "case figures of the city (3,000,000 cases), a county and a town: seconds and query plans",
          "bench.casefigures"),
    Suite("imports", "imports: our importer vs ogr2ogr vs LayerMapping (200k buildings), 1M residents CSV/XLSX",
          "bench.imports"),
    Suite("intake", "intake under load on loopback: hotline cases/s, p50/p95/p99, kill -9 of the worker mid-load",
          "bench.intake"),
    Suite("planning", "automatic grid proposals: ours vs spopt MaxP and WardSpatial (generated village, Helsinki OSM), "
          "the whole city village by village", "bench.planning"),
)}
