"""Automatic layouts: a village's (or one leaf grid's) buildings from the database, its size rule, the
partition, and the contract's proposals response, ready to post as a replace op to preview/commit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.db import connection
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from geo_governance.errors import BadInput
from layers.models import Grid
from planning.context import Parent
from planning.partition import Partition, partition
from planning.quality import quality
from planning.rules import Bounds, bounds_for
from planning.shapes import LINEAR, as_geojson, parse
from planning.topology import as_multi

SQL = (Path(__file__).parent / "sql" / "proposal_buildings.sql").read_text()
RULE_FIELDS = ("min_households", "max_households", "min_residents", "max_residents")


@dataclass(frozen=True)
class Buildings:
    """Buildings to partition, as arrays in one order (codes, village ids, lon/lat footprints, figures)."""

    codes: np.ndarray
    villages: np.ndarray
    footprints: np.ndarray
    households: np.ndarray
    residents: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, index: np.ndarray) -> Buildings:
        return Buildings(self.codes[index], self.villages[index], self.footprints[index], self.households[index],
                         self.residents[index])


def load_buildings(village_id: int | None = None, grid_id: int | None = None) -> Buildings:
    """One query: a village's buildings, a grid's, or (both None) those of every village."""
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"village": village_id, "grid": grid_id})
        rows = cursor.fetchall()
    if not rows:
        empty = np.zeros(0, np.int64)
        return Buildings(np.zeros(0, object), empty, np.zeros(0, object), empty, empty)
    _ids, codes, villages, wkb, households, residents = zip(*rows, strict=True)
    return Buildings(np.asarray(codes, object), np.asarray(villages, np.int64),
                     shapely.from_wkb([bytes(w) for w in wkb]), np.asarray(households, np.int64),
                     np.asarray(residents, np.int64))


def buildings_of(parent: Parent) -> Buildings:
    if parent.grid is None:
        return load_buildings(village_id=parent.village.pk)
    return load_buildings(grid_id=parent.grid.pk)


def rule_from(value: dict | None, default: Bounds) -> Bounds:
    """A client's rule override ({min_households, …}, each optional), else the default; BadInput if unusable."""
    if value is None:
        return default
    if not isinstance(value, dict):
        raise BadInput(_("rule 须为对象"), field="rule")
    figures = default.as_dict()
    for name in RULE_FIELDS:
        if name in value:
            number = value[name]
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise BadInput(_("rule.%(name)s 须为非负整数") % {"name": name}, field="rule")
            figures[name] = number
    bounds = Bounds(**figures)
    if bounds.min_households > bounds.max_households or bounds.min_residents > bounds.max_residents:
        raise BadInput(_("规模下限不能大于上限"), field="rule")
    return bounds


def barriers_from(value) -> list[BaseGeometry]:
    """Barrier lines from GeoJSON: a (Multi)LineString, a Feature, or a FeatureCollection of lines."""
    if value is None:
        return []
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list):
            raise BadInput(_("barriers 的 features 须为列表"), field="barriers")
        return [parse(f, LINEAR, "barriers") for f in features]
    return [parse(value, LINEAR, "barriers")]


def check_parent(parent: Parent) -> None:
    """A proposal replaces a village's grids or cuts one leaf grid; a grid with sub-grids is refused."""
    if parent.grid is not None and Grid.objects.filter(parent=parent.grid).exists():
        raise BadInput(_("网格 %(grid)s 含有下级网格，请对其下级网格生成方案") % {"grid": parent.code}, field="parent")


def propose(parent: Parent, seed: int = 0, rule: dict | None = None, barriers=None) -> dict:
    """The contract's proposals response for the parent: {op, params, quality, seconds, problems}."""
    start = time.perf_counter()
    check_parent(parent)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise BadInput(_("seed 须为整数"), field="seed")
    bounds = rule_from(rule, bounds_for(parent.village))
    lines = barriers_from(barriers)
    buildings = buildings_of(parent)
    result = partition(buildings.footprints, buildings.households, buildings.residents, parent.geometry, bounds,
                       lines, seed)
    figures = quality(result.labels, result.regions, buildings.footprints, buildings.households,
                      buildings.residents, parent.geometry, bounds, result.graph,
                      infeasible=result.infeasible_regions())
    return {
        "op": "replace",
        "params": {"parent": parent.code, "grids": grids_of(parent, result)},
        "quality": figures,
        "rule": bounds.as_dict(),
        "problems": problems_of(result, buildings),
        "seconds": round(time.perf_counter() - start, 3),
    }


def grids_of(parent: Parent, result: Partition) -> list[dict]:
    """The regions as replace-op grids, named after the parent (第1网格, 第2网格 …)."""
    return [{"geometry": as_geojson(as_multi(region)), "name": f"{parent.name}第{i}网格"}
            for i, region in enumerate(result.regions, start=1)]


def problems_of(result: Partition, buildings: Buildings) -> list[dict]:
    """Why some bounds cannot be met, as data (kind and figures; a building by its code)."""
    out = []
    for problem in result.problems:
        figures = dict(problem.figures)
        if "building" in figures:
            figures["building"] = str(buildings.codes[figures["building"]])
        out.append({"kind": problem.kind, **figures})
    return out
