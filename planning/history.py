"""A grid's boundary history (also of retired codes) and the difference between two of its revisions."""

from __future__ import annotations

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon

from geo_governance.errors import BadInput, NotFound
from layers.models import Grid
from layers.models.scoping import area_prefix
from planning.metric import Metric
from planning.models import GridRevision
from planning.shapes import as_geojson, from_geos
from planning.topology import PRECISION, as_multi


def visible_code(code: str, user) -> str:
    prefix = area_prefix(user)
    if prefix is None or not code.startswith(prefix):
        raise NotFound(_("未找到网格 %(code)s") % {"code": code})
    return code


def history(code: str, user) -> dict:
    """Every revision of the grid, newest first; a never-edited grid has its current boundary as baseline."""
    visible_code(code, user)
    rows = list(GridRevision.objects.filter(code=code).select_related("user").order_by("-revision"))
    revisions = [{"revision": r.revision, "action": r.action, "reason": r.reason,
                  "user": r.user.get_username() if r.user else None, "at": r.at.isoformat(),
                  "change": r.change_id, "geometry": as_geojson(from_geos(r.boundary))} for r in rows]
    if not rows:
        grid = Grid.objects.filter(code=code).first()
        if grid is None:
            raise NotFound(_("未找到网格 %(code)s") % {"code": code})
        revisions = [{"revision": grid.revision, "action": "baseline", "reason": "", "user": None,
                      "at": grid.updated_at.isoformat(), "change": None,
                      "geometry": as_geojson(from_geos(grid.boundary))}]
    return {"code": code, "revisions": revisions}


def boundary_at(code: str, revision: int) -> MultiPolygon:
    """The grid's boundary at a revision (empty if it was retired then), else BadInput."""
    row = GridRevision.objects.filter(code=code, revision=revision).values_list("boundary").first()
    if row is None:
        grid = Grid.objects.filter(code=code, revision=revision).values_list("boundary").first()
        if grid is None:
            raise BadInput(_("网格 %(grid)s 没有第 %(rev)d 版") % {"grid": code, "rev": revision})
        row = grid
    return as_multi(from_geos(row[0]))


def diff(code: str, user, old: int, new: int) -> dict:
    """What revision `new` added to and removed from revision `old`, and what both share, with areas in m²."""
    visible_code(code, user)
    a, b = boundary_at(code, old), boundary_at(code, new)
    added = as_multi(shapely.difference(b, a, grid_size=PRECISION))
    removed = as_multi(shapely.difference(a, b, grid_size=PRECISION))
    kept = as_multi(shapely.intersection(a, b, grid_size=PRECISION))
    both = shapely.union_all([a, b])
    metric = Metric.around(both) if not both.is_empty else Metric(0, 0)
    return {"code": code, "from": old, "to": new, "added": as_geojson(added), "removed": as_geojson(removed),
            "kept": as_geojson(kept), "area_added_m2": round(metric.area_m2(added), 1),
            "area_removed_m2": round(metric.area_m2(removed), 1)}
