"""Areas as code prefixes: the one asked for (inside the user's area, default deny) and its children."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from casefigures.definitions import label
from geo_governance.errors import BadInput, NotFound
from incidents.filters import area_code_prefix
from layers.models import Division, Grid
from layers.models.scoping import area_prefix

# prefix length → (level name, how to list the areas of that level)
LEVEL_OF_LENGTH = {6: "county", 9: "town", 12: "village", 15: "grid", 17: "grid", 19: "grid"}
LENGTH_OF_LEVEL = {"county": 6, "town": 9, "village": 12, "grid": 15}
GRID_LEVEL_OF_LENGTH = {15: 1, 17: 2, 19: 3}
LEVEL_LABELS = {"all": label("全部"), "county": label("县（区）"), "town": label("镇（街道）"),
                "village": label("村（社区）"), "grid": label("网格")}


@dataclass(frozen=True)
class Area:
    code: str  # a 12-digit division code or a grid code; '' for everything
    prefix: str
    name: str
    level: str  # all, county, town, village or grid


def code_of_prefix(prefix: str) -> str:
    """The division or grid code whose area the prefix is ('' stays '')."""
    return prefix.ljust(12, "0") if 0 < len(prefix) < 12 else prefix


def resolve(user, code: str | None) -> Area:
    """The area asked for (default: the user's own); outside the user's area or unknown → 404."""
    scope = area_prefix(user)
    if scope is None:
        raise NotFound(_("您没有可查看的辖区"))
    if not code:
        code = code_of_prefix(scope)
    prefix = area_code_prefix(code)
    if not prefix.startswith(scope):
        raise NotFound(_("区域不存在或不在您的管辖范围内"), field="area")
    if not prefix:
        return Area("", "", str(LEVEL_LABELS["all"]), "all")
    model = Division if len(code) == 12 else Grid
    name = model.objects.filter(code=code).values_list("name", flat=True).first()
    if name is None:
        raise NotFound(_("区域不存在或不在您的管辖范围内"), field="area")
    return Area(code, prefix, name, LEVEL_OF_LENGTH[len(prefix)])


def child_length(area: Area, group_by: str | None) -> int | None:
    """The prefix length of the areas to group by: the next level down by default, None under a level-3 grid."""
    if group_by is None:
        deeper = [n for n in sorted(LEVEL_OF_LENGTH) if n > len(area.prefix)]
        return deeper[0] if deeper else None
    length = LENGTH_OF_LEVEL.get(group_by)
    if length is None or length <= len(area.prefix):
        allowed = [level for level, n in LENGTH_OF_LEVEL.items() if n > len(area.prefix)]
        raise BadInput(_("group_by 须为以下之一：%(v)s") % {"v": "、".join(allowed) or "-"}, field="group_by")
    return length


def children(area: Area, length: int | None) -> list[Area]:
    """The areas of that level under the area, by code (one query)."""
    if length is None:
        return []
    level = LEVEL_OF_LENGTH[length]
    if level == "grid":
        rows = Grid.objects.filter(code__startswith=area.prefix, level=GRID_LEVEL_OF_LENGTH[length])
    else:
        rows = Division.objects.filter(code__startswith=area.prefix, level=level)
    return [Area(code, code[:length], name, level) for code, name in rows.order_by("code").values_list("code", "name")]
