"""A Draft: the proposed final layout of one editable set, grid by grid, and the issuing of new codes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import shapely
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from geo_governance.errors import BadInput
from layers.models import Grid
from planning.context import Context, Parent
from planning.models import GridRevision
from planning.topology import PRECISION, Layout

KEPT, CHANGED, NEW, RETIRED = "kept", "changed", "new", "retired"


@dataclass
class Outcome:
    key: str  # the grid's code, or "new-1", "new-2" … until a code is issued
    code: str | None  # None for a new grid
    name: str
    geometry: BaseGeometry | None  # None: retired
    status: str  # kept | changed | new | retired
    base_revision: int | None  # the revision the draft was computed from (None for new grids)


@dataclass
class Draft:
    op: str
    params: dict
    context: Context
    outcomes: list[Outcome]
    # retired code → key of the grid that takes over its workers, users and cases (default: largest overlap)
    successors: dict[str, str] = field(default_factory=dict)
    notes: list = field(default_factory=list)  # checks.Findings the op itself found (e.g. a drawing clipped)

    @property
    def before(self) -> Layout:
        return self.context.layout

    @property
    def after(self) -> Layout:
        return {o.key: o.geometry for o in self.outcomes if o.status != RETIRED}

    def having(self, *statuses: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in statuses]

    def successor_of(self, code: str) -> str:
        """Where a retired grid's people and cases go: the named successor, else the largest overlap."""
        if code in self.successors:
            return self.successors[code]
        old = self.before[code]
        candidates = [o for o in self.outcomes if o.status != RETIRED]
        if not candidates:
            raise BadInput(_("不能撤销全部网格"))
        overlap = {o.key: shapely.intersection(old, o.geometry, grid_size=PRECISION).area for o in candidates}
        return min(candidates, key=lambda o: (-overlap[o.key], o.key)).key


def from_layout(context: Context, op: str, params: dict, after: Layout, names: dict[str, str] | None = None,
                successors: dict[str, str] | None = None) -> Draft:
    """Compare a proposed layout with the current one: every current grid is kept, changed or retired."""
    names = names or {}
    outcomes = []
    for code, grid in context.grids.items():
        geometry = after.get(code)
        if geometry is None:
            status = RETIRED
        elif shapely.equals(geometry, context.layout[code]) and names.get(code, grid.name) == grid.name:
            status, geometry = KEPT, context.layout[code]
        else:
            status = CHANGED
        outcomes.append(Outcome(code, code, names.get(code, grid.name), geometry, status, grid.revision))
    for key, geometry in after.items():
        if key not in context.grids:
            outcomes.append(Outcome(key, None, names.get(key, ""), geometry, NEW, None))
    touched = {o.code for o in outcomes if o.status in (CHANGED, RETIRED)} & context.has_children
    if touched:
        raise BadInput(_("网格 %(grids)s 含有下级网格，不能改变其边界，请编辑其下级网格") % {
            "grids": "、".join(sorted(touched))})
    return Draft(op, params, context, outcomes, successors or {})


def next_codes(parent: Parent, count: int) -> list[str]:
    """`count` new codes under the parent: 1 + the largest sequence ever used (current grids and history)."""
    if count == 0:
        return []
    digits = parent.sequence_digits
    pattern = rf"^{re.escape(parent.code)}\d{{{digits}}}$"
    under = {"code__startswith": parent.code, "code__regex": pattern}
    used = [*Grid.objects.filter(**under).values_list("code", flat=True),
            *GridRevision.objects.filter(**under).values_list("code", flat=True)]
    start = 1 + max((int(code[-digits:]) for code in used), default=0)
    if start + count - 1 >= 10 ** digits:
        raise BadInput(_("%(parent)s 下的网格序号已用完") % {"parent": parent.code})
    return [f"{parent.code}{n:0{digits}d}" for n in range(start, start + count)]
