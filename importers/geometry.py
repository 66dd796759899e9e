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


def _non_finite(geoms: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per geometry: some x or y is NaN or infinite (one pass over all coordinates)."""
    rows = np.flatnonzero(candidates)
    coords, index = shapely.get_coordinates(geoms[rows], return_index=True)
    bad = np.zeros(len(geoms), dtype=bool)
    bad[rows[np.unique(index[~np.isfinite(coords).all(axis=1)])]] = True
    return bad


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
    _refuse(reasons, _non_finite(geoms, np.equal(reasons, None)),
            "坐标含 NaN 或无穷大 / coordinates are NaN or infinite")
    types = shapely.get_type_id(geoms)
    wrong = ~np.isin(types, [int(t) for t in ACCEPTS[target]])
    _refuse(reasons, wrong & ~missing, f"几何类型不符，应为{TYPE_NAMES[target]} / wrong geometry type")
    out = np.empty(n, dtype=object)
    ok = np.equal(reasons, None)
    out[ok] = geoms[ok]
    with_z = ok & shapely.has_z(geoms)
    out[with_z] = shapely.force_2d(geoms[with_z])  # Z dropped (only where there is one: force_2d copies)
    if target == "Point":
        for i in np.flatnonzero(ok & (types == GeometryType.MULTIPOINT)):
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
        single = np.flatnonzero(ok & (types == GeometryType.POLYGON))
        if len(single):
            out[single] = shapely.multipolygons(out[single], indices=np.arange(len(single)))
    return Prepared(out, reasons, repairs)


# What repair_polygons notes, as bits: a row's notes are the joined texts of its bits (all 8 made once).
REPAIR_NOTES = ("去除重复顶点 / repeated vertices removed", "修复自相交 / made valid (make_valid)",
                "调整环方向 / rings re-oriented")
NOTE_TEXTS = np.array([None] + ["；".join(note for bit, note in enumerate(REPAIR_NOTES) if code >> bit & 1)
                                for code in range(1, 1 << len(REPAIR_NOTES))], dtype=object)
UNREPAIRABLE = "几何无效且无法修复（面积为零） / invalid geometry that cannot be repaired"


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
    with np.errstate(invalid="ignore"):
        lost = ~present | shapely.is_empty(oriented) | ~(shapely.area(oriented) > 0)
    reasons[ok[lost]], geoms[ok[lost]] = UNREPAIRABLE, None
    kept = ok[~lost]
    geoms[kept] = oriented[~lost]
    codes = dropped.astype(int) | invalid.astype(int) << 1 | (reoriented & ~invalid).astype(int) << 2
    repairs[kept] = NOTE_TEXTS[codes[~lost]]
    return Prepared(geoms, reasons, repairs)
