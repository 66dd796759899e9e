"""The imports suite (issue 4's Performance section): our importer vs ogr2ogr vs LayerMapping on the
city's 200,000 building footprints, and 1,000,000 residents from CSV and from XLSX.

Every contender writes into an empty target in the scratch database ``geogov_import_bench``.
A figure counts only when the gate holds: counts equal, attributes and footprints equal by code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # bench.imports.child runs before Django is set up: nothing here imports it
    from bench.report import Row
    from bench.suites import SuiteOptions

SAMPLE = 5_000  # features LayerMapping saves
RESIDENTS = 1_000_000


def run(options: SuiteOptions) -> list[Row]:
    from pathlib import Path

    from django.conf import settings

    from bench.imports import buildings, residents, scratch, source

    folder = Path(settings.BASE_DIR) / "var" / "bench"
    say = options.progress
    inputs = source.ensure(folder, SAMPLE, say)
    scratch.prepare(inputs.areas, say)
    rows: list[Row] = []
    if not options.only or "buildings" in options.only:
        rows += buildings.run(inputs, options.repeats, say)
    if not options.only or "residents" in options.only:
        files = residents.ensure_files(folder, inputs.buildings, RESIDENTS, options.seed, say)
        rows += buildings.residents_rows(inputs, files, say)
    return rows
