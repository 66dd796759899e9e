"""The whole city profile, village by village: one query for every building, one for the villages, then a
partition and its quality figures per village, in one forked process per core (the villages are independent);
ours only: MaxP's n × n work rules it out at this size."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import connections

from bench.report import Goal, Row, Stats
from layers.models import Division
from planning.metric import Metric
from planning.models import SizeRule
from planning.partition import partition
from planning.proposals import load_buildings
from planning.quality import polsby_popper, quality, within
from planning.rules import Bounds, chain

GOAL = Goal("<=", 60, " s")
WORKERS = max(1, min(2, os.cpu_count() or 1))  # villages are independent: one process per core (2 here)


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


_WORK: dict = {}  # what the forked workers read: the loaded buildings, villages and seed


def one_village(span: tuple[int, int]) -> tuple:
    """Partition and quality of one village's slice of the loaded buildings (runs in a worker)."""
    begin, end = span
    b = _WORK["buildings"].take(np.arange(begin, end))
    code, area, bounds = _WORK["villages"][int(b.villages[0])]
    t0 = time.perf_counter()
    result = partition(b.footprints, b.households, b.residents, area, bounds, seed=_WORK["seed"])
    t1 = time.perf_counter()
    metric = Metric.around(area)
    infeasible = result.infeasible_regions()
    q = quality(result.labels, result.regions, b.footprints, b.households, b.residents, area, bounds, result.graph,
                metric, infeasible)
    hs = np.bincount(result.labels, b.households, result.k)
    rs = np.bincount(result.labels, b.residents, result.k)
    return (code, t1 - t0, q, infeasible, within(hs, rs, bounds), len(result.problems),
            polsby_popper(result.regions, metric), time.perf_counter() - t1)


def run(seed: int, say) -> list[Row]:
    start = time.perf_counter()
    villages = village_rules()
    everything = load_buildings()
    loaded = time.perf_counter() - start
    say(f"planning city: {len(everything):,} buildings of {len(villages):,} villages loaded in {loaded:.1f} s; "
        f"partitioning in {WORKERS} processes …")
    totals = Totals(buildings=len(everything))
    cuts = np.flatnonzero(np.r_[True, everything.villages[1:] != everything.villages[:-1]])
    spans = list(zip(cuts.tolist(), [*cuts[1:].tolist(), len(everything)], strict=True))
    _WORK.update(buildings=everything, villages=villages, seed=seed)
    connections.close_all()  # the forked workers never touch the database; the parent reconnects lazily
    quality_s = partition_s = 0.0
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        for code, seconds, q, infeasible, ok_bounds, problems, pp, q_seconds in pool.imap_unordered(
                one_village, spans, chunksize=8):
            totals.add(code, seconds, q, infeasible, ok_bounds, problems, pp)
            partition_s += seconds
            quality_s += q_seconds
    _WORK.clear()
    total = time.perf_counter() - start
    pp = np.asarray(totals.pp)
    ok = totals.contiguous == totals.villages and totals.split == 0 and totals.within_feasible == totals.feasible
    note = (f"{totals.villages:,} villages, {totals.buildings:,} buildings → {totals.grids:,} grids; load "
            f"{loaded:.1f} s, then {WORKERS} processes: partitions {partition_s:.1f} s and quality figures "
            f"{quality_s:.1f} s of CPU in {total - loaded:.1f} s; "
            f"within bounds {totals.within / max(totals.grids, 1):.1%} (where feasible "
            f"{totals.within_feasible / max(totals.feasible, 1):.1%}, {totals.problems} problems reported), PP "
            f"mean {pp.mean():.3f} min {pp.min():.3f}, contiguous villages {totals.contiguous}/{totals.villages}, "
            f"split {totals.split}, slowest village {totals.slowest[1]} {totals.slowest[0]:.2f} s")
    return [Row("city partition", "all villages, ours", "", Stats.of([total * 1000]), value=total, goal=GOAL,
                gate_ok=ok, note=note),
            Row("within bounds", "city: ours", value=totals.within_feasible / max(totals.feasible, 1),
                goal=Goal(">=", 1.0, ""), gate_ok=ok, note="share of grids within bounds where they can be met")]
