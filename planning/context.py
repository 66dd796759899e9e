"""What an edit works on: a parent (village or grid), its child grids as a Layout, and who is asking."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from geo_governance.errors import BadInput, Forbidden, NotFound
from layers.models import Division, DivisionLevel, Grid, Profile, Role
from layers.models.access import MAY_PLAN
from layers.models.scoping import area_prefix
from planning.rules import Bounds, bounds_for
from planning.shapes import from_geos
from planning.topology import Layout

VILLAGE_CODE = re.compile(r"^\d{12}$")
GRID_CODE = re.compile(r"^\d{15}(\d{2}){0,2}$")


@dataclass(frozen=True)
class Parent:
    """The division or grid whose child grids are edited together."""

    code: str
    name: str
    kind: str  # "division" | "grid"
    geometry: BaseGeometry
    village: Division
    grid: Grid | None

    @property
    def child_level(self) -> int:
        return 1 if self.grid is None else self.grid.level + 1

    @property
    def sequence_digits(self) -> int:
        """Digits a child's code adds: 3 under a village, 2 under a grid."""
        return 3 if self.grid is None else 2

    def children(self):
        if self.grid is None:
            return Grid.objects.filter(division=self.village, parent__isnull=True)
        return Grid.objects.filter(parent=self.grid)

    def as_dict(self) -> dict:
        from planning.shapes import as_geojson

        return {"code": self.code, "name": self.name, "kind": self.kind, "boundary": as_geojson(self.geometry)}


@dataclass
class Context:
    """The editable set: the parent's child grids (by code), their shapes, and the size rule."""

    parent: Parent
    grids: dict[str, Grid]
    layout: Layout
    has_children: frozenset[str]
    bounds: Bounds
    snap_m: float = field(default_factory=lambda: settings.GEOGOV_PLANNING_SNAP_M)

    def leaf(self, code: str) -> Grid:
        """A child grid that may be edited, else BadInput (unknown here, or it has sub-grids)."""
        if code not in self.grids:
            raise BadInput(_("网格 %(grid)s 不在可编辑的同级网格中") % {"grid": code}, field="code")
        if code in self.has_children:
            raise BadInput(_("网格 %(grid)s 含有下级网格，请编辑其下级网格") % {"grid": code}, field="code")
        return self.grids[code]


def may_plan(user) -> bool:
    if user.is_superuser:
        return True
    role = Profile.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
    return role is not None and MAY_PLAN.get(Role(role), False)


def require_planner(user) -> None:
    if not may_plan(user):
        raise Forbidden(_("您的角色无权调整网格边界"))


def find_parent(code: str, user) -> Parent:
    """The village (12 digits) or grid (15/17 digits) with this code inside the user's area, else 404."""
    prefix = area_prefix(user)
    if prefix is None or not isinstance(code, str) or not code.startswith(prefix):
        raise NotFound(_("未找到上级区域 %(code)s") % {"code": code})
    if VILLAGE_CODE.match(code):
        village = Division.objects.filter(code=code).first()
        if village is None:
            raise NotFound(_("未找到上级区域 %(code)s") % {"code": code})
        if village.level != DivisionLevel.VILLAGE:
            raise BadInput(_("一级网格只能划在村（社区）内，%(code)s 不是村（社区）") % {"code": code}, field="parent")
        return Parent(code, village.name, "division", from_geos(village.boundary), village, None)
    if GRID_CODE.match(code):
        grid = Grid.objects.select_related("division").filter(code=code).first()
        if grid is None:
            raise NotFound(_("未找到上级区域 %(code)s") % {"code": code})
        return Parent(code, grid.name, "grid", from_geos(grid.boundary), grid.division, grid)
    raise BadInput(_("上级编码须为12位村（社区）代码或网格编码"), field="parent")


def parent_of_grid(code: str, user) -> Parent:
    """The parent of grid `code` (which must be inside the user's area), else 404."""
    grid = Grid.objects.for_user(user).filter(code=code).values_list("parent__code", "division__code").first() \
        if isinstance(code, str) else None
    if grid is None:
        raise NotFound(_("未找到网格 %(code)s") % {"code": code})
    parent_code, village_code = grid
    return find_parent(parent_code or village_code, user)


def load(parent: Parent, *, lock: bool = False) -> Context:
    """The parent's child grids (locked FOR UPDATE when asked, in code order so lockers cannot deadlock)."""
    rows = parent.children().order_by("code")
    if lock:
        rows = rows.select_for_update(of=("self",))
    grids = {grid.code: grid for grid in rows}
    with_children = frozenset(Grid.objects.filter(parent__code__in=list(grids)).values_list("parent__code", flat=True))
    layout = {code: from_geos(grid.boundary) for code, grid in grids.items()}
    return Context(parent, grids, layout, with_children, bounds_for(parent.village))


def lock_parent(parent: Parent) -> None:
    """Lock the parent row first, so two edits of one (even empty) parent run one after the other."""
    model = Division if parent.grid is None else Grid
    list(model.objects.select_for_update().filter(code=parent.code).values_list("pk", flat=True))
