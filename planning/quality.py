"""Quality figures of a partition (ours or any other method's labels drawn with the same tiling):
grids, share within bounds, Polsby-Popper compactness, household spread, internal boundary length,
contiguity on the adjacency graph and buildings split by a region boundary."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from planning.metric import Metric
from planning.partition import Graph, SizeBounds, components

SPLIT_SHARE = 1e-6  # a building counts as split when a second region holds more than this share of it


def polsby_popper(regions: Sequence[BaseGeometry], metric: Metric) -> np.ndarray:
    """4πA/P² per region in metres (1 for a disc, small for long or ragged shapes)."""
    metres = np.asarray(metric.to_metres(np.asarray(regions, dtype=object)), dtype=object)
    area, perimeter = shapely.area(metres), shapely.length(metres)
    return np.where(perimeter > 0, 4 * math.pi * area / np.maximum(perimeter, 1e-12) ** 2, 0.0)


def contiguous(labels: np.ndarray, graph: Graph) -> bool:
    """Every region is one connected part of the graph (edges inside the region only)."""
    inside = labels[graph.u] == labels[graph.v]
    parts = components(len(labels), graph.u[inside], graph.v[inside])
    return len(np.unique(parts)) == len(np.unique(labels))


def internal_boundary_m(regions: Sequence[BaseGeometry], area: BaseGeometry, metric: Metric) -> float:
    """Length of the borders between regions: (Σ region perimeters − the area's perimeter) / 2."""
    metres = np.asarray(metric.to_metres(np.asarray(regions, dtype=object)), dtype=object)
    return max(0.0, float(shapely.length(metres).sum() - metric.length_m(area)) / 2)


def buildings_split(footprints: Sequence[BaseGeometry], regions: Sequence[BaseGeometry]) -> int:
    """Buildings whose footprint lies in more than one region (beyond SPLIT_SHARE of its area)."""
    fp = np.asarray(footprints, dtype=object)
    tree = shapely.STRtree(np.asarray(regions, dtype=object))
    b, g = tree.query(fp, predicate="intersects")
    if len(b) == 0:
        return 0
    share = shapely.area(shapely.intersection(fp[b], tree.geometries[g])) / np.maximum(shapely.area(fp[b]), 1e-30)
    holding = np.bincount(b[share > SPLIT_SHARE], minlength=len(fp))
    return int(np.count_nonzero(holding > 1))


def within(hs: np.ndarray, rs: np.ndarray, bounds: SizeBounds) -> np.ndarray:
    return ((hs >= bounds.min_households) & (hs <= bounds.max_households)
            & (rs >= bounds.min_residents) & (rs <= bounds.max_residents))


def quality(labels: np.ndarray, regions: Sequence[BaseGeometry], footprints: Sequence[BaseGeometry],
            households: Sequence[int], residents: Sequence[int], area: BaseGeometry, bounds: SizeBounds,
            graph: Graph, metric: Metric | None = None, infeasible: np.ndarray | None = None) -> dict:
    """The contract's quality figures; `infeasible` marks regions whose bounds cannot be met (e.g. a lone
    building over the upper bound), left out of within_bounds_feasible_share."""
    metric = metric or Metric.around(area)
    labels = np.asarray(labels)
    k = len(regions)
    hs = np.bincount(labels, np.asarray(households, float), k)
    rs = np.bincount(labels, np.asarray(residents, float), k)
    ok = within(hs, rs, bounds)
    pp = polsby_popper(regions, metric)
    feasible = ~infeasible if infeasible is not None else np.ones(k, bool)
    return {
        "grids": k,
        "within_bounds_share": round(float(ok.mean()), 4) if k else 0.0,
        "within_bounds_feasible_share": round(float(ok[feasible].mean()), 4) if feasible.any() else 1.0,
        "polsby_popper_mean": round(float(pp.mean()), 4) if k else 0.0,
        "polsby_popper_min": round(float(pp.min()), 4) if k else 0.0,
        "households_min": int(hs.min()) if k else 0,
        "households_max": int(hs.max()) if k else 0,
        "households_cv": round(float(hs.std() / hs.mean()), 4) if k and hs.mean() > 0 else 0.0,
        "residents_min": int(rs.min()) if k else 0,
        "residents_max": int(rs.max()) if k else 0,
        "boundary_length_m": round(internal_boundary_m(regions, area, metric), 1),
        "contiguous": contiguous(labels, graph),
        "buildings_split": buildings_split(footprints, regions),
    }
