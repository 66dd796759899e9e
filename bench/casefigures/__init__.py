"""The figures suite (issue 5's Performance section): case figures of the whole city profile (3,000,000
cases) and of one county and one town, for a year and for 30 days, through ``casefigures.service.figures``.

Each measurement is one row (seconds, goal "in seconds") followed by one row per query with the
summary of its EXPLAIN (ANALYZE, BUFFERS) plan; the full plans are in the JSON (``plan`` of those rows).
The gate: the figure's case total equals the ORM count of its linked list, and the children add up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.report import Row
    from bench.suites import SuiteOptions


def run(options: SuiteOptions) -> list[Row]:
    from bench.casefigures import measure

    rows: list[Row] = []
    for case in measure.cases():
        if not options.only or case.key in options.only:
            options.progress(f"figures {case.label} …")
            rows += measure.run(case, options.repeats)
    return rows
