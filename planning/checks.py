"""Checks of a proposed layout of sibling grids before it is saved: the server is the truth.

Each check is one function in CHECKS, given the parent area, the layout before and after the edit,
the limits and a metric frame; it yields Findings. Problems in grids the edit changes are errors
(the edit cannot be committed); the same problems in grids it leaves alone were there before and are
reported as warnings, so an old flaw elsewhere in a village never blocks an unrelated edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from planning.metric import Metric
from planning.topology import PRECISION, Layout, as_multi, gaps, polygons

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR blocks the commit; WARNING is shown
    check: str  # which check: valid, inside_parent, overlap, gap, gap_existing, min_area, vertices, empty, …
    message: str
    grids: tuple[str, ...] = ()
    geometry: BaseGeometry | None = field(default=None, compare=False)

    def as_dict(self) -> dict:
        return {"level": self.level, "check": self.check, "message": self.message, "grids": list(self.grids),
                "geometry": mapping(self.geometry) if self.geometry is not None else None}


@dataclass(frozen=True)
class Limits:
    min_area_m2: float
    max_vertices: int
    gap_m2: float  # overlaps, gaps and overhangs smaller than this are digitising noise

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(min_area_m2=settings.GEOGOV_PLANNING_MIN_AREA_M2,
                   max_vertices=settings.GEOGOV_PLANNING_MAX_VERTICES,
                   gap_m2=settings.GEOGOV_PLANNING_GAP_M2)


@dataclass(frozen=True)
class Subject:
    """What every check looks at."""

    parent: BaseGeometry
    before: Layout
    after: Layout
    limits: Limits
    metric: Metric
    changed: frozenset[str]

    def level_for(self, *keys: str) -> str:
        return ERROR if self.changed.intersection(keys) else WARNING


def changed_keys(before: Layout, after: Layout) -> frozenset[str]:
    """Grids whose area differs between the two layouts (new ones included)."""
    return frozenset(key for key, geometry in after.items()
                     if key not in before or not shapely.equals(before[key], geometry))


def _empty(s: Subject) -> Iterable[Finding]:
    for key, geometry in s.after.items():
        if geometry.is_empty and key in s.changed:
            yield Finding(ERROR, "empty", _("网格 %(grid)s 已没有任何面积，请改用合并") % {"grid": key}, (key,))


def _valid(s: Subject) -> Iterable[Finding]:
    for key, geometry in s.after.items():
        if not geometry.is_empty and not shapely.is_valid(geometry):
            yield Finding(s.level_for(key), "valid", _("网格 %(grid)s 的边界几何无效：%(reason)s") % {
                "grid": key, "reason": shapely.is_valid_reason(geometry)}, (key,))


def _vertices(s: Subject) -> Iterable[Finding]:
    for key, geometry in s.after.items():
        count = shapely.get_num_coordinates(geometry)
        if count > s.limits.max_vertices:
            yield Finding(s.level_for(key), "vertices", _("网格 %(grid)s 有 %(count)d 个顶点，超过上限 %(limit)d") % {
                "grid": key, "count": count, "limit": s.limits.max_vertices}, (key,))


def _min_area(s: Subject) -> Iterable[Finding]:
    for key, geometry in s.after.items():
        area = s.metric.area_m2(geometry)
        if not geometry.is_empty and area < s.limits.min_area_m2:
            message = _("网格 %(grid)s 面积 %(area).0f ㎡，小于下限 %(limit).0f ㎡") % {
                "grid": key, "area": area, "limit": s.limits.min_area_m2}
            yield Finding(s.level_for(key), "min_area", message, (key,), geometry)


def _inside_parent(s: Subject) -> Iterable[Finding]:
    for key, geometry in s.after.items():
        outside = shapely.difference(geometry, s.parent, grid_size=PRECISION)
        area = s.metric.area_m2(outside)
        if area > s.limits.gap_m2:
            yield Finding(s.level_for(key), "inside_parent", _("网格 %(grid)s 有 %(area).0f ㎡ 超出上级范围") % {
                "grid": key, "area": area}, (key,), outside)


def _overlaps(s: Subject) -> Iterable[Finding]:
    keys = [key for key, geometry in s.after.items() if not geometry.is_empty]
    geometries = [s.after[key] for key in keys]
    tree = STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        overlap = shapely.intersection(geometries[i], geometries[j], grid_size=PRECISION)
        area = s.metric.area_m2(overlap)
        if area > s.limits.gap_m2:
            yield Finding(s.level_for(keys[i], keys[j]), "overlap", _("网格 %(a)s 与 %(b)s 重叠 %(area).0f ㎡") % {
                "a": keys[i], "b": keys[j], "area": area}, (keys[i], keys[j]), overlap)


def _gaps(s: Subject) -> Iterable[Finding]:
    existing = shapely.union_all(gaps(s.parent, s.before, s.limits.gap_m2)) if s.before else None
    for piece in gaps(s.parent, s.after, s.limits.gap_m2):
        area = s.metric.area_m2(piece)
        fresh = piece if existing is None else shapely.difference(piece, existing, grid_size=PRECISION)
        if s.metric.area_m2(fresh) > s.limits.gap_m2:
            yield Finding(WARNING, "gap", _("上级范围内出现 %(area).0f ㎡ 未划入任何网格的空隙") % {"area": area},
                          geometry=piece)
        else:
            yield Finding(WARNING, "gap_existing", _("上级范围内原有 %(area).0f ㎡ 未划入任何网格的空隙") % {
                "area": area}, geometry=piece)


CHECKS: tuple[Callable[[Subject], Iterable[Finding]], ...] = (
    _empty, _valid, _vertices, _min_area, _inside_parent, _overlaps, _gaps,
)


def check_layout(parent: BaseGeometry, before: Layout, after: Layout, limits: Limits) -> list[Finding]:
    """Every finding of every check, errors first."""
    subject = Subject(parent, before, after, limits, Metric.around(parent), changed_keys(before, after))
    findings = [finding for check in CHECKS for finding in check(subject)]
    return sorted(findings, key=lambda finding: finding.level != ERROR)


def clipped(drawn: BaseGeometry, parent: BaseGeometry, limits: Limits, grid: str) -> list[Finding]:
    """A warning when part of a drawn area lay outside the parent and was cut off (it is saved clipped)."""
    metric = Metric.around(parent)
    outside = shapely.difference(as_multi(shapely.make_valid(drawn)), parent, grid_size=PRECISION)
    area = metric.area_m2(outside)
    if area <= limits.gap_m2:
        return []
    return [Finding(WARNING, "clipped", _("所画范围有 %(area).0f ㎡ 超出上级范围，已裁去") % {"area": area},
                    (grid,), outside)]


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.level == ERROR for finding in findings)


def parts_count(geometry: BaseGeometry) -> int:
    """How many separate pieces a grid's area has (a grid in two pieces is allowed, and shown)."""
    return len(polygons(geometry))
