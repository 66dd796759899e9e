"""Topology-aware edits of one set of sibling grids (a Layout): shared edges stay shared.

Every edit is phrased as "this grid's new area", and the neighbours are derived from it: what the
grid takes is cut out of its neighbours, what it gives up goes to the neighbour sharing the longest
border with each released piece (or, touching none, is left as a gap and reported). So moving the
border between two grids moves it for both, and no overlap can appear. Overlays run on a fixed
precision grid (PRECISION) so that neighbours end up with the very same coordinates along the edges
they share. Geometries are shapely, in lon/lat (EPSG:4326); tolerances are asked in metres.
"""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_by_line

from geo_governance.errors import BadInput
from planning.metric import Metric

PRECISION = 1e-9  # degrees (~0.1 mm): the grid every overlay result is snapped to
SLIVER_M2 = 1.0  # a detached part smaller than this is digitising noise, handed to a neighbour

Layout = dict[str, BaseGeometry]


def as_multi(geometry: BaseGeometry | None) -> MultiPolygon:
    """The polygonal parts of a geometry as one MultiPolygon (empty when there are none)."""
    return MultiPolygon(polygons(geometry))


def polygons(geometry: BaseGeometry | None) -> list[Polygon]:
    if geometry is None or geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    parts = getattr(geometry, "geoms", ())
    return [polygon for part in parts for polygon in polygons(part)]


def _difference(a: BaseGeometry, b: BaseGeometry) -> MultiPolygon:
    return as_multi(shapely.difference(a, b, grid_size=PRECISION))


def _intersection(a: BaseGeometry, b: BaseGeometry) -> MultiPolygon:
    return as_multi(shapely.intersection(a, b, grid_size=PRECISION))


def _cut(grid: BaseGeometry, taken: BaseGeometry) -> MultiPolygon:
    """A grid less the area another takes; a grid the area does not reach is returned as it was, not
    re-snapped to PRECISION, so a grid far from an edit never shows as changed."""
    if not shapely.intersects(grid, taken) or shapely.touches(grid, taken):
        return as_multi(grid)
    return _difference(grid, taken)


def _union(geometries: Iterable[BaseGeometry]) -> MultiPolygon:
    return as_multi(shapely.union_all(list(geometries), grid_size=PRECISION))


def shared_length(a: BaseGeometry, b: BaseGeometry, tolerance: float) -> float:
    """Length (degrees) of a's outline that runs within `tolerance` of b."""
    if a.is_empty or b.is_empty or a.distance(b) > tolerance:
        return 0.0
    return shapely.intersection(a.boundary, b.buffer(tolerance)).length


def prepare(geometry: BaseGeometry, layout: Layout, parent: BaseGeometry, snap_m: float) -> MultiPolygon:
    """A drawn area made valid, snapped onto the neighbours' and parent's edges, and clipped to the parent."""
    drawn = as_multi(shapely.make_valid(geometry))
    if drawn.is_empty:
        raise BadInput(_("所画范围不是有效的面"))
    tolerance = Metric.around(parent).degrees(snap_m)
    reference = shapely.union_all([g.boundary for g in layout.values() if not g.is_empty] + [parent.boundary])
    # repair by structure: snapping may put near-duplicate vertices on a shell and its hole; the default
    # linework repair then turns the hole into lines and the grid swallows the neighbour inside it
    snapped = as_multi(shapely.make_valid(shapely.snap(drawn, reference, tolerance), method="structure"))
    clipped = _intersection(snapped, parent)
    if clipped.is_empty:
        raise BadInput(_("所画范围不在上级区域内"))
    return clipped


def reshape(layout: Layout, code: str, geometry: BaseGeometry, parent: BaseGeometry, snap_m: float) -> Layout:
    """Give grid `code` a new area; neighbours lose what it takes and gain what it releases."""
    old = _member(layout, code)
    others = {key: g for key, g in layout.items() if key != code}
    new = prepare(geometry, others, parent, snap_m)
    result = {key: _cut(g, new) for key, g in others.items()}
    result[code] = new
    tolerance = Metric.around(parent).degrees(snap_m)
    _hand_out(polygons(_difference(old, new)), result, exclude={code}, tolerance=tolerance)
    return _keep_unmoved(_absorb_slivers(result, parent, tolerance), layout, {code}, parent)


def split(layout: Layout, code: str, line: BaseGeometry, snap_m: float) -> list[MultiPolygon]:
    """Cut grid `code` by a line into pieces, largest first; fewer than two pieces is bad input."""
    grid = _member(layout, code)
    if line.geom_type not in ("LineString", "MultiLineString") or line.is_empty:
        raise BadInput(_("分割线须为线（LineString）"))
    tolerance = Metric.around(grid).degrees(snap_m)
    line = shapely.snap(line, grid.boundary, tolerance)
    pieces = [as_multi(shapely.set_precision(piece, PRECISION)) for piece in polygons(split_by_line(grid, line))]
    pieces = [piece for piece in pieces if not piece.is_empty]
    if len(pieces) < 2:
        raise BadInput(_("分割线须完整穿过网格，把它分成至少两块"))
    return sorted(pieces, key=lambda piece: -piece.area)


def merge(layout: Layout, codes: list[str], snap_m: float = 1.0) -> MultiPolygon:
    """The union of two or more grids, which must form one connected group of neighbours."""
    if len(set(codes)) < 2:
        raise BadInput(_("合并至少需要两个网格"))
    members = {code: _member(layout, code) for code in codes}
    tolerance = Metric.around(_union(members.values())).degrees(snap_m)
    reached, frontier = {codes[0]}, [codes[0]]
    while frontier:
        current = frontier.pop()
        for other, geometry in members.items():
            if other not in reached and shared_length(members[current], geometry, tolerance) > 0:
                reached.add(other)
                frontier.append(other)
    if len(reached) < len(members):
        raise BadInput(_("只能合并相邻的网格：%(codes)s 与其余网格不相邻") % {
            "codes": "、".join(sorted(set(members) - reached))})
    return _union(members.values())


def carve(layout: Layout, geometry: BaseGeometry, parent: BaseGeometry, snap_m: float) -> Layout:
    """Add a new grid ("new-N") drawn inside the parent; it is cut out of the grids it covers."""
    new = prepare(geometry, layout, parent, snap_m)
    result = {key: _cut(g, new) for key, g in layout.items()}
    key = new_key(layout)
    result[key] = new
    return _keep_unmoved(_absorb_slivers(result, parent, Metric.around(parent).degrees(snap_m)), layout, {key}, parent)


def new_key(layout: Layout) -> str:
    n = 1
    while f"new-{n}" in layout:
        n += 1
    return f"new-{n}"


def gaps(parent: BaseGeometry, layout: Layout, min_m2: float) -> list[Polygon]:
    """Pieces of the parent that no grid covers, of at least `min_m2` each."""
    metric = Metric.around(parent)
    covered = _union(g for g in layout.values() if not g.is_empty)
    return [piece for piece in polygons(_difference(parent, covered)) if metric.area_m2(piece) >= min_m2]


def _member(layout: Layout, code: str) -> BaseGeometry:
    if code not in layout:
        raise BadInput(_("网格 %(grid)s 不在可编辑的同级网格中") % {"grid": code})
    return layout[code]


def _hand_out(pieces: list[Polygon], layout: Layout, exclude: set[str], tolerance: float) -> None:
    """Add each piece to the grid (not in `exclude`) sharing the longest border with it; else leave it out."""
    for piece in pieces:
        borders = {key: shared_length(piece, g, tolerance) for key, g in layout.items() if key not in exclude}
        best = max(borders, key=lambda key: (borders[key], key), default=None)
        if best is not None and borders[best] > 0:
            layout[best] = _union([layout[best], piece])


def _keep_unmoved(result: Layout, layout: Layout, edited: set[str], parent: BaseGeometry) -> Layout:
    """Neighbours that moved by less than SLIVER_M2 in all (snapping noise along an edge they only touch) keep
    their old area exactly, and the edited grids give way to them: a grid the user did not move never shows as
    changed nor gets a new revision."""
    metric = Metric.around(parent)
    restored = []
    for key, geometry in result.items():
        if key in edited or key not in layout or shapely.equals_exact(geometry, layout[key], 0):
            continue
        if metric.area_m2(shapely.symmetric_difference(geometry, layout[key], grid_size=PRECISION)) < SLIVER_M2:
            result[key] = as_multi(layout[key])
            restored.append(result[key])
    if restored:
        for key in edited:
            result[key] = _difference(result[key], _union(restored))
    return result


def _absorb_slivers(layout: Layout, parent: BaseGeometry, tolerance: float) -> Layout:
    """Hand detached crumbs (parts under SLIVER_M2 that are not a grid's main part) to a neighbour."""
    metric = Metric.around(parent)
    for key in list(layout):
        parts = sorted(polygons(layout[key]), key=lambda part: -part.area)
        small = [metric.area_m2(part) < SLIVER_M2 for part in parts]
        keep = [part for i, part in enumerate(parts) if i == 0 or not small[i]]
        crumbs = [part for i, part in enumerate(parts) if i > 0 and small[i]]
        if not crumbs:
            continue
        layout[key] = MultiPolygon(keep)
        _hand_out(crumbs, layout, exclude={key}, tolerance=tolerance)
    return layout
