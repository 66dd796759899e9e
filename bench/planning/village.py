"""A generated village for the planning benchmark and tests: blocks of buildings between roads (the barriers),
households per building varied (houses and flats); deterministic for a seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from planning.metric import Metric

ORIGIN = (109.03, 32.69)  # lon/lat of the village centre (Ankang, like the city profile)
ROAD_M = 20.0  # width of the gap between blocks; the barrier runs down its middle
PITCH_M = 25.0  # building spacing inside a block


@dataclass(frozen=True)
class Village:
    area: BaseGeometry  # lon/lat
    footprints: list[BaseGeometry]  # lon/lat
    households: np.ndarray
    residents: np.ndarray
    barriers: list[BaseGeometry]  # lon/lat road centre lines
    block: np.ndarray  # block index per building (for tests)


def generate(blocks: tuple[int, int] = (3, 3), per_block: tuple[int, int] = (15, 15), seed: int = 1) -> Village:
    """blocks (columns, rows) of per_block (columns, rows) buildings; 3×3 × 15×15 ≈ 2,000 buildings."""
    rng = np.random.default_rng(seed)
    (bx, by), (px, py) = blocks, per_block
    block_w, block_h = px * PITCH_M, py * PITCH_M
    width, height = bx * block_w + (bx - 1) * ROAD_M, by * block_h + (by - 1) * ROAD_M
    polys, block_ids = [], []
    for i in range(bx):
        for j in range(by):
            x0, y0 = i * (block_w + ROAD_M), j * (block_h + ROAD_M)
            gx, gy = np.meshgrid(np.arange(px), np.arange(py), indexing="ij")
            cx = x0 + (gx.ravel() + 0.5) * PITCH_M + rng.uniform(-3, 3, gx.size)
            cy = y0 + (gy.ravel() + 0.5) * PITCH_M + rng.uniform(-3, 3, gy.size)
            w, h = rng.uniform(8, 18, gx.size), rng.uniform(7, 16, gx.size)
            polys += shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2).tolist()
            block_ids += [i * by + j] * gx.size
    flats = rng.random(len(polys)) < 0.3
    households = np.where(flats, rng.integers(8, 41, len(polys)), rng.integers(1, 5, len(polys)))
    residents = np.round(households * rng.uniform(2.0, 3.5, len(polys))).astype(np.int64)
    roads = ([shapely.LineString([(x, -1), (x, height + 1)])
              for x in (np.arange(1, bx) * (block_w + ROAD_M) - ROAD_M / 2)]
             + [shapely.LineString([(-1, y), (width + 1, y)])
                for y in (np.arange(1, by) * (block_h + ROAD_M) - ROAD_M / 2)])
    metric = Metric(*ORIGIN)
    shift = np.array([width / 2, height / 2])

    def lonlat(g: BaseGeometry) -> BaseGeometry:
        return metric.from_metres(shapely.transform(g, lambda xy: xy - shift))

    return Village(lonlat(shapely.box(0, 0, width, height)), [lonlat(p) for p in polys], households, residents,
                   [lonlat(r) for r in roads], np.asarray(block_ids))
