"""Geometry checks and repairs on a whole column at once (shapely 2, vectorised).

Order matters: non-finite coordinates and oversized features are refused before any repair runs
(``make_valid`` on a 10-million-vertex polygon would take minutes); then Z is dropped, the type
is coerced to the target (Polygon → MultiPolygon, a one-point MultiPoint → Point), repeated
vertices are removed, invalid polygons are repaired with ``make_valid`` (keeping their polygonal
part) and rings are oriented (exterior counter-clockwise, as RFC 7946 asks), so a re-import of an
exported file compares equal coordinate by coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import GeometryType

POLYGONAL = {GeometryType.POLYGON, GeometryType.MULTIPOLYGON}
# Accepted source types per target type, and how each becomes the target.
ACCEPTS = {
    "MultiPolygon": {GeometryType.POLYGON, GeometryType.MULTIPOLYGON, GeometryType.GEOMETRYCOLLECTION},
    "Point": {GeometryType.POINT, GeometryType.MULTIPOINT},
}
TYPE_NAMES = {"MultiPolygon": "面 / polygon", "Point": "点 / point"}
# What a reader puts where a geometry's bytes or text cannot be parsed (told apart from a missing one by identity)
UNREADABLE = shapely.from_wkt("GEOMETRYCOLLECTION EMPTY")
UNREADABLE_REASON = "几何无法解析（结构或坐标有误） / the geometry cannot be parsed"


@dataclass
class Prepared:
    geoms: np.ndarray  # target-typed WGS84-ready geometries (None where rejected)
    reasons: np.ndarray  # per row: None or why the geometry is refused
    repairs: np.ndarray  # per row: None or what was repaired


def _polygonal_part(geom):
    """The polygons of a geometry collection (make_valid may return lines and points beside them)."""
    parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in POLYGONAL]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return shapely.multipolygons(polygons) if polygons else None


def _refuse(reasons: np.ndarray, mask: np.ndarray, reason: str) -> None:
    reasons[mask & np.equal(reasons, None)] = reason


def check_shape(geoms: np.ndarray, target: str, max_vertices: int) -> Prepared:
    """Refuse missing, non-finite, oversized and wrongly typed geometries; coerce the rest."""
    n = len(geoms)
    reasons = np.empty(n, dtype=object)
    repairs = np.empty(n, dtype=object)
    unreadable = np.fromiter((g is UNREADABLE for g in geoms.tolist()), dtype=bool, count=n)
    _refuse(reasons, unreadable, UNREADABLE_REASON)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    _refuse(reasons, missing, "缺少几何 / no geometry")
    vertices = shapely.get_num_coordinates(geoms)
    _refuse(reasons, vertices > max_vertices,
            f"顶点数超过上限 {max_vertices:,} / more than {max_vertices:,} vertices")
    ok = np.equal(reasons, None)
    coords_ok = np.ones(n, dtype=bool)
    for i in np.flatnonzero(ok):
        coords_ok[i] = bool(np.isfinite(shapely.get_coordinates(geoms[i])).all())
    _refuse(reasons, ~coords_ok, "坐标含 NaN 或无穷大 / coordinates are NaN or infinite")
    types = shapely.get_type_id(geoms)
    wrong = ~np.isin(types, [int(t) for t in ACCEPTS[target]])
    _refuse(reasons, wrong & ~missing, f"几何类型不符，应为{TYPE_NAMES[target]} / wrong geometry type")
    out = np.empty(n, dtype=object)
    ok = np.equal(reasons, None)
    flat = shapely.force_2d(geoms[ok])
    out[ok] = flat
    if target == "Point":
        multi = ok & (types == GeometryType.MULTIPOINT)
        for i in np.flatnonzero(multi):
            parts = shapely.get_parts(out[i])
            if len(parts) == 1:
                out[i] = parts[0]
            else:
                reasons[i], out[i] = "多点要素，应为单点 / a multipoint with several points", None
    else:
        for i in np.flatnonzero(ok & (types == GeometryType.GEOMETRYCOLLECTION)):
            out[i] = _polygonal_part(out[i])
            if out[i] is None:
                reasons[i] = f"几何类型不符，应为{TYPE_NAMES[target]} / wrong geometry type"
        single = ok & (types == GeometryType.POLYGON)
        out[single] = shapely.multipolygons(out[single].reshape(-1, 1).tolist()) if single.any() else out[single]
    return Prepared(out, reasons, repairs)


def repair_polygons(prepared: Prepared) -> Prepared:
    """Remove repeated vertices, make invalid polygons valid, orient rings; note what changed."""
    geoms, reasons, repairs = prepared.geoms, prepared.reasons, prepared.repairs
    ok = np.flatnonzero(np.equal(reasons, None) & ~shapely.is_missing(geoms))
    if not len(ok):
        return prepared
    todo = geoms[ok]
    before = shapely.get_num_coordinates(todo)
    deduped = shapely.remove_repeated_points(todo, tolerance=0.0)
    dropped = shapely.get_num_coordinates(deduped) < before
    invalid = ~shapely.is_valid(deduped)
    fixed = deduped.copy()
    for j in np.flatnonzero(invalid):
        fixed[j] = _polygonal_part(shapely.make_valid(deduped[j]))
    oriented = np.empty(len(fixed), dtype=object)
    present = ~np.equal(fixed, None)
    oriented[present] = shapely.orient_polygons(fixed[present].astype(object), exterior_cw=False)
    reoriented = np.zeros(len(fixed), dtype=bool)
    reoriented[present] = ~shapely.equals_exact(oriented[present], fixed[present], tolerance=0.0)
    for j, i in enumerate(ok.tolist()):
        if oriented[j] is None or shapely.is_empty(oriented[j]) or shapely.area(oriented[j]) == 0:
            reasons[i], geoms[i] = "几何无效且无法修复（面积为零） / invalid geometry that cannot be repaired", None
            continue
        notes = [note for flag, note in ((dropped[j], "去除重复顶点 / repeated vertices removed"),
                                         (invalid[j], "修复自相交 / made valid (make_valid)"),
                                         (reoriented[j] and not invalid[j], "调整环方向 / rings re-oriented"))
                 if flag]
        geoms[i] = oriented[j]
        repairs[i] = "；".join(notes) or None
    return Prepared(geoms, reasons, repairs)
