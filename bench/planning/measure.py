"""Run ours and the PySAL spopt references on one case, draw every labelling with the same tiling, measure it."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import shapely

from bench.planning.cases import Case
from bench.report import Goal, Row, Stats
from planning.metric import Metric
from planning.partition import Graph, partition, regions_for
from planning.quality import quality

# MaxP's effort per case: (constructions, annealing rounds). Its defaults (99, 10) on the 481 Helsinki buildings
# take ~90 s; on the 2,000 generated ones they would take many minutes (2 and 1 took 13 s), so there MaxP is cut
# to a tenth and a fifth, and its time is a lower bound of the default's.
MAXP_DEFAULT = (99, 10)
MAXP_EFFORT = {"generated": (10, 2)}
SPEEDUP = Goal(">=", 50)
GRIDS = Goal(">=", 0.9)
COMPACTNESS = Goal(">=", 1.0)
WITHIN = Goal(">=", 1.0, "")


@dataclass
class Outcome:
    method: str
    seconds: float  # what the method took: for ours labels and polygons, for spopt its solve() (labels only)
    labels: np.ndarray
    quality: dict
    labels_seconds: float | None = None  # ours: the labelling alone, like for like with spopt's solve()


def points_m(case: Case) -> np.ndarray:
    metric = Metric.around(case.area)
    return shapely.get_coordinates(shapely.point_on_surface(metric.to_metres(case.footprints)))


def measure(case: Case, method: str, labels: np.ndarray, seconds: float, graph: Graph,
            infeasible: np.ndarray | None = None) -> Outcome:
    """Quality of a labelling drawn with our tiling (so every method's regions are measured alike)."""
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.ravel()
    regions = regions_for(case.footprints, labels, case.area, case.barriers)
    figures = quality(labels, regions, case.footprints, case.households, case.residents, case.area, case.bounds,
                      graph, infeasible=infeasible)
    return Outcome(method, seconds, labels, figures)


def ours(case: Case, seed: int, repeats: int) -> tuple[Outcome, Graph]:
    """Our partition (regions drawn included), median of `repeats` runs."""
    times, labelling = [], []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = partition(case.footprints, case.households, case.residents, case.area, case.bounds,
                           case.barriers, seed)
        times.append(time.perf_counter() - start)
        labelling.append(result.seconds["labels"])
    figures = quality(result.labels, result.regions, case.footprints, case.households, case.residents, case.area,
                      case.bounds, result.graph, infeasible=result.infeasible_regions())
    return (Outcome("ours", float(np.median(times)), result.labels, figures, float(np.median(labelling))),
            result.graph)


def weights(graph: Graph):
    import libpysal

    neighbours = {i: [] for i in range(graph.n)}
    for a, b in zip(graph.u.tolist(), graph.v.tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    return libpysal.weights.W(neighbours, silence_warnings=True)


def frame(case: Case):
    import geopandas as gpd

    xy = points_m(case)
    return gpd.GeoDataFrame({"x": xy[:, 0], "y": xy[:, 1], "households": case.households},
                            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]))


def maxp_effort(case: Case) -> tuple[int, int]:
    return MAXP_EFFORT.get(case.key, MAXP_DEFAULT)


def maxp(case: Case, graph: Graph, seed: int) -> Outcome:
    """spopt MaxPHeuristic: as many regions as possible with ≥ min households each, homogeneous in x/y."""
    from spopt.region import MaxPHeuristic

    np.random.seed(seed)  # spopt draws from numpy's global generator
    constructions, annealing = maxp_effort(case)
    model = MaxPHeuristic(frame(case), weights(graph), ["x", "y"], "households", case.bounds.min_households,
                          max_iterations_construction=constructions, max_iterations_sa=annealing)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    seconds = time.perf_counter() - start
    return measure(case, "spopt MaxPHeuristic", np.asarray(model.labels_), seconds, graph)


def ward(case: Case, graph: Graph, k: int) -> Outcome:
    """spopt WardSpatial: k regions by Ward agglomeration of x/y restricted to the graph's edges (our k).

    (spopt Skater was the first choice; it took > 15 min on Helsinki's 481 buildings with 96 regions.)"""
    from spopt.region import WardSpatial

    model = WardSpatial(frame(case), weights(graph), ["x", "y"], n_clusters=max(1, k))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    seconds = time.perf_counter() - start
    return measure(case, "spopt WardSpatial", np.asarray(model.labels_), seconds, graph)


def describe(outcome: Outcome) -> str:
    q = outcome.quality
    return (f"{q['grids']} grids, within bounds {q['within_bounds_share']:.0%} (feasible "
            f"{q['within_bounds_feasible_share']:.0%}), PP mean {q['polsby_popper_mean']:.3f} min "
            f"{q['polsby_popper_min']:.3f}, households {q['households_min']}-{q['households_max']} CV "
            f"{q['households_cv']:.2f}, boundary {q['boundary_length_m'] / 1000:.1f} km, contiguous "
            f"{q['contiguous']}, split {q['buildings_split']}")


def sound(q: dict) -> bool:
    """The gate of a partition: contiguous, no building split, and every grid within bounds where feasible."""
    return q["contiguous"] and q["buildings_split"] == 0 and q["within_bounds_feasible_share"] >= 1.0


def effort(case: Case) -> str:
    constructions, annealing = maxp_effort(case)
    label = "its defaults" if (constructions, annealing) == MAXP_DEFAULT else "cut from 99 and 10"
    return f"{constructions} constructions, {annealing} annealing rounds: {label}"


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def rows(case: Case, outcomes: list[Outcome]) -> list[Row]:
    """One row per method, then the goals against MaxP."""
    ours_, *refs = outcomes
    out = [Row("partition", f"{case.key}: {o.method}", "", Stats.of([o.seconds * 1000]) if o is ours_ else None,
               None if o is ours_ else Stats.of([o.seconds * 1000]), gate_ok=sound(o.quality) if o is ours_ else None,
               note=describe(o)) for o in outcomes]
    out[0].note = f"{case.label}: {out[0].note}"
    if ours_.labels_seconds is not None:
        out[0].note += f"; labels {ours_.labels_seconds * 1000:.0f} ms + polygons "\
                       f"{(ours_.seconds - ours_.labels_seconds) * 1000:.0f} ms"
    ref = next((o for o in refs if o.method.startswith("spopt MaxP")), None)
    q = ours_.quality
    out.append(Row("within bounds", f"{case.key}: ours", value=q["within_bounds_feasible_share"], goal=WITHIN,
                   gate_ok=sound(q), note="share of grids within bounds where the bounds can be met"))
    if ref is not None:
        mine = ours_.labels_seconds if ours_.labels_seconds is not None else ours_.seconds
        rq = ref.quality
        out += [
            Row("speed vs MaxP", case.key, "", Stats.of([mine * 1000]), Stats.of([ref.seconds * 1000]),
                value=ratio(ref.seconds, mine), goal=SPEEDUP,
                note=f"labelling vs MaxP solve() ({effort(case)}); with our polygons "
                     f"{ratio(ref.seconds, ours_.seconds):.1f}×"),
            Row("grids vs MaxP", case.key, value=ratio(q["grids"], rq["grids"]), goal=GRIDS,
                note=f"ours {q['grids']}, MaxP {rq['grids']}"),
            Row("compactness vs MaxP", case.key, value=ratio(q["polsby_popper_mean"], rq["polsby_popper_mean"]),
                goal=COMPACTNESS, note=f"Polsby-Popper mean ours {q['polsby_popper_mean']:.3f}, MaxP "
                                       f"{rq['polsby_popper_mean']:.3f} (better: above 1)"),
        ]
    return out
