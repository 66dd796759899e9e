"""The whole city profile, village by village: one query for every building, one for the villages, then a
partition and its quality figures per village (ours only: MaxP's n × n work rules it out at this size)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import shapely

from bench.report import Goal, Row, Stats
from layers.models import Division
from planning.metric import Metric
from planning.models import SizeRule
from planning.partition import partition
from planning.proposals import load_buildings
from planning.quality import polsby_popper, quality, within
from planning.rules import Bounds, chain

GOAL = Goal("<=", 60, " s")


@dataclass
class Totals:
    villages: int = 0
    buildings: int = 0
    grids: int = 0
    within: int = 0
    feasible: int = 0
    within_feasible: int = 0
    contiguous: int = 0  # villages whose every grid is contiguous
    split: int = 0
    problems: int = 0
    pp: list[float] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")

    def add(self, code: str, seconds: float, q: dict, infeasible: np.ndarray, within: np.ndarray,
            problems: int, pp: np.ndarray) -> None:
        self.villages += 1
        self.grids += q["grids"]
        self.within += int(within.sum())
        self.feasible += int((~infeasible).sum())
        self.within_feasible += int((within & ~infeasible).sum())
        self.contiguous += bool(q["contiguous"])
        self.split += q["buildings_split"]
        self.problems += problems
        self.pp += pp.tolist()
        self.slowest = max(self.slowest, (seconds, code))


def village_rules() -> dict[int, tuple[str, object]]:
    """Village id → (code, boundary as shapely) with the size bounds of each, in two queries."""
    rules = {code: Bounds(a, b, c, d) for code, a, b, c, d in SizeRule.objects.values_list(
        "division__code", "min_households", "max_households", "min_residents", "max_residents")}
    default = Bounds.default()
    out = {}
    for pk, code, wkb in Division.objects.filter(level="village").values_list("pk", "code", "boundary"):
        bounds = next((rules[c] for c in chain(code) if c in rules), default)
        out[pk] = (code, shapely.from_wkb(bytes(wkb.wkb)), bounds)
    return out


def run(seed: int, say) -> list[Row]:
    start = time.perf_counter()
    villages = village_rules()
    everything = load_buildings()
    loaded = time.perf_counter() - start
    say(f"planning city: {len(everything):,} buildings of {len(villages):,} villages loaded in {loaded:.1f} s")
    totals = Totals(buildings=len(everything))
    cuts = np.flatnonzero(np.r_[True, everything.villages[1:] != everything.villages[:-1]])
    quality_s = 0.0
    for begin, end in zip(cuts.tolist(), [*cuts[1:].tolist(), len(everything)], strict=True):
        b = everything.take(np.arange(begin, end))
        code, area, bounds = villages[int(b.villages[0])]
        t0 = time.perf_counter()
        result = partition(b.footprints, b.households, b.residents, area, bounds, seed=seed)
        t1 = time.perf_counter()
        metric = Metric.around(area)
        infeasible = result.infeasible_regions()
        q = quality(result.labels, result.regions, b.footprints, b.households, b.residents, area, bounds,
                    result.graph, metric, infeasible)
        hs = np.bincount(result.labels, b.households, result.k)
        rs = np.bincount(result.labels, b.residents, result.k)
        totals.add(code, t1 - t0, q, infeasible, within(hs, rs, bounds), len(result.problems),
                   polsby_popper(result.regions, metric))
        quality_s += time.perf_counter() - t1
    total = time.perf_counter() - start
    pp = np.asarray(totals.pp)
    ok = totals.contiguous == totals.villages and totals.split == 0 and totals.within_feasible == totals.feasible
    note = (f"{totals.villages:,} villages, {totals.buildings:,} buildings → {totals.grids:,} grids; load "
            f"{loaded:.1f} s, partitions {total - loaded - quality_s:.1f} s, quality figures {quality_s:.1f} s; "
            f"within bounds {totals.within / max(totals.grids, 1):.1%} (where feasible "
            f"{totals.within_feasible / max(totals.feasible, 1):.1%}, {totals.problems} problems reported), PP "
            f"mean {pp.mean():.3f} min {pp.min():.3f}, contiguous villages {totals.contiguous}/{totals.villages}, "
            f"split {totals.split}, slowest village {totals.slowest[1]} {totals.slowest[0]:.2f} s")
    return [Row("city partition", "all villages, ours", "", Stats.of([total * 1000]), value=total, goal=GOAL,
                gate_ok=ok, note=note),
            Row("within bounds", "city: ours", value=totals.within_feasible / max(totals.feasible, 1),
                goal=Goal(">=", 1.0, ""), gate_ok=ok, note="share of grids within bounds where they can be met")]
