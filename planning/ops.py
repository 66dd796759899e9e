"""The planning operations: a table from op name to (where its parent is, how it builds its Draft).

Every op reads its params (GeoJSON in EPSG:4326), asks planning.topology for the new layout of the
editable set and hands it to drafts.from_layout; nothing here writes to the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import shapely
from django.utils.translation import gettext as _

from geo_governance.errors import BadInput
from layers.models import Division, DivisionLevel
from planning import checks, topology
from planning.checks import Limits
from planning.context import Context, Parent, find_parent, parent_of_grid
from planning.drafts import Draft, from_layout
from planning.models import GridRevision
from planning.shapes import AREAL, LINEAR, from_geos, parse
from planning.topology import PRECISION


def text(params: dict, name: str, *, required: bool = True, limit: int = 100) -> str:
    value = params.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise BadInput(_("参数 %(name)s 须为不超过 %(limit)d 字的文字") % {"name": name, "limit": limit}, field=name)
    return value.strip()


def whole(params: dict, name: str) -> int:
    value = params.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadInput(_("参数 %(name)s 须为正整数") % {"name": name}, field=name)
    return value


def codes(params: dict, name: str = "codes") -> list[str]:
    value = params.get(name)
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value) or len(value) < 2:
        raise BadInput(_("参数 %(name)s 须为至少两个网格编码的列表") % {"name": name}, field=name)
    return list(dict.fromkeys(value))


# ---- where each op's editable set is ---------------------------------------------------------------

def by_code(params: dict, user) -> Parent:
    return parent_of_grid(text(params, "code", limit=19), user)


def by_codes(params: dict, user) -> Parent:
    return parent_of_grid(codes(params)[0], user)


def by_parent(params: dict, user) -> Parent:
    return find_parent(text(params, "parent", limit=19), user)


def by_parent_or_place(params: dict, user) -> Parent:
    """The named parent, else the village (in the user's area) holding a point of the drawn area."""
    if params.get("parent") is not None:
        return by_parent(params, user)
    point = parse(params.get("geometry"), AREAL, "geometry").representative_point()
    village = (Division.objects.for_user(user).filter(level=DivisionLevel.VILLAGE, boundary__covers=point.wkt)
               .values_list("code", flat=True).first())
    if village is None:
        raise BadInput(_("所画范围不在您辖区的任何村（社区）内"), field="geometry")
    return find_parent(village, user)


# ---- the ops ----------------------------------------------------------------------------------------

def reshape(context: Context, params: dict) -> Draft:
    code = text(params, "code", limit=19)
    context.leaf(code)
    geometry = parse(params.get("geometry"), AREAL, "geometry")
    after = topology.reshape(context.layout, code, geometry, context.parent.geometry, context.snap_m)
    draft = from_layout(context, "reshape", params, after)
    draft.notes = checks.clipped(geometry, context.parent.geometry, Limits.from_settings(), code)
    return draft


def split(context: Context, params: dict) -> Draft:
    code = text(params, "code", limit=19)
    context.leaf(code)
    line = parse(params.get("line"), LINEAR, "line")
    pieces = topology.split(context.layout, code, line, context.snap_m)
    after = dict(context.layout)
    after[code] = pieces[0]
    for piece in pieces[1:]:
        after[topology.new_key(after)] = piece
    return from_layout(context, "split", params, after)


def merge(context: Context, params: dict) -> Draft:
    members = codes(params)
    for code in members:
        context.leaf(code)
    keep = params.get("keep") or min(members, key=lambda c: (-context.grids[c].households, c))
    if keep not in members:
        raise BadInput(_("保留的网格 %(grid)s 须是被合并的网格之一") % {"grid": keep}, field="keep")
    union = topology.merge(context.layout, members, context.snap_m)
    after = {code: g for code, g in context.layout.items() if code not in members}
    after[keep] = union
    return from_layout(context, "merge", params, after, successors={c: keep for c in members if c != keep})


def create(context: Context, params: dict) -> Draft:
    geometry = parse(params.get("geometry"), AREAL, "geometry")
    name = text(params, "name", required=False)
    protected = {code: g for code, g in context.layout.items() if code in context.has_children}
    after = topology.carve(context.layout, geometry, context.parent.geometry, context.snap_m)
    new = next(key for key in after if key not in context.layout)
    if any(not shapely.equals(after[code], g) for code, g in protected.items()):
        raise BadInput(_("新网格不能压占含有下级网格的网格"), field="geometry")
    draft = from_layout(context, "create", params, after, names={new: name} if name else None)
    draft.notes = checks.clipped(geometry, context.parent.geometry, Limits.from_settings(), new)
    return draft


def rollback(context: Context, params: dict) -> Draft:
    code = text(params, "code", limit=19)
    context.leaf(code)
    revision = whole(params, "revision")
    row = GridRevision.objects.filter(code=code, revision=revision).values_list("boundary").first()
    if row is None or row[0] is None:
        raise BadInput(_("网格 %(grid)s 没有第 %(rev)d 版的边界") % {"grid": code, "rev": revision}, field="revision")
    after = topology.reshape(context.layout, code, from_geos(row[0]), context.parent.geometry, context.snap_m)
    return from_layout(context, "rollback", params, after)


def replace(context: Context, params: dict) -> Draft:
    """A whole new layout of the parent's grids; old codes go to the new grids they overlap most."""
    if context.has_children:
        raise BadInput(_("上级区域内有含下级网格的网格，不能整体重划"), field="grids")
    given = params.get("grids")
    if not isinstance(given, list) or not given:
        raise BadInput(_("参数 grids 须为网格列表"), field="grids")
    shapes = [topology.as_multi(shapely.make_valid(parse(item.get("geometry") if isinstance(item, dict) else None,
                                                         AREAL, f"grids[{i}].geometry")))
              for i, item in enumerate(given)]
    asked = [item.get("code") if item.get("code") in context.grids else None for item in given]
    keys = reuse_codes(context, shapes, asked)
    after = dict(zip(keys, shapes, strict=True))
    names = {key: text(item, "name", required=False) for key, item in zip(keys, given, strict=True)
             if item.get("name")}
    return from_layout(context, "replace", params, after, names=names)


def reuse_codes(context: Context, shapes: list, asked: list[str | None]) -> list[str]:
    """Keys for the new grids: the asked code, else greedily the old code with the largest overlap, else new-N."""
    keys: list[str | None] = list(asked)
    taken = {code for code in asked if code}
    pairs = sorted(((shapely.intersection(shape, old, grid_size=PRECISION).area, i, code)
                    for i, shape in enumerate(shapes) for code, old in context.layout.items()), reverse=True)
    for area, i, code in pairs:
        if area > 0 and keys[i] is None and code not in taken:
            keys[i], taken = code, taken | {code}
    layout = {key: None for key in keys if key}
    for i, key in enumerate(keys):
        if key is None:
            keys[i] = topology.new_key(layout)
            layout[keys[i]] = None
    return keys


@dataclass(frozen=True)
class Op:
    parent: Callable[[dict, object], Parent]  # (params, user) → the parent whose grids are edited
    build: Callable[[Context, dict], Draft]


OPS: dict[str, Op] = {
    "reshape": Op(by_code, reshape),
    "split": Op(by_code, split),
    "merge": Op(by_codes, merge),
    "create": Op(by_parent_or_place, create),
    "rollback": Op(by_code, rollback),
    "replace": Op(by_parent, replace),
}


def op_named(name) -> Op:
    if not isinstance(name, str) or name not in OPS:
        raise BadInput(_("未知操作 %(op)s，可用：%(ops)s") % {"op": name, "ops": ", ".join(OPS)}, field="op")
    return OPS[name]

