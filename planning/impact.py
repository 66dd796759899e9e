"""What an applied draft does to buildings, households, sensors and cases: snapshots before and after."""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from django.db.models import Count, Q
from shapely.geometry.base import BaseGeometry

from layers.models import Building, Incident, Sensor
from planning.shapes import collection, feature, from_geos
from planning.topology import PRECISION

CUT_SHARE = 0.01  # a building is "cut" when another grid holds at least 1 % of its footprint (less is digitising noise)


@dataclass(frozen=True)
class BuildingRow:
    code: str
    grid_id: int | None
    footprint: BaseGeometry
    households: int
    green: int
    yellow: int
    red: int
    residents: int


@dataclass
class Snapshot:
    """Where the buildings, sensors and open cases of the edited area are (grid ids), with household figures."""

    buildings: dict[int, BuildingRow]
    sensors: dict[int, int | None]
    open_incidents: dict[int, int | None]
    retired_incidents: list[int] = field(default_factory=list)  # every case of a grid about to be retired

    @classmethod
    def take(cls, grid_ids: list[int], region, retired_ids: list[int]) -> Snapshot:
        """Buildings, sensors and open cases of these grids or inside the region (GEOS)."""
        rows = (Building.objects.filter(Q(grid_id__in=grid_ids) | Q(footprint__intersects=region))
                .annotate(n_households=Count("households", distinct=True),
                          n_green=Count("households", filter=Q(households__tier="green"), distinct=True),
                          n_yellow=Count("households", filter=Q(households__tier="yellow"), distinct=True),
                          n_red=Count("households", filter=Q(households__tier="red"), distinct=True),
                          n_residents=Count("households__residents"))
                .values_list("pk", "code", "grid_id", "footprint", "n_households", "n_green", "n_yellow", "n_red",
                             "n_residents"))
        buildings = {pk: BuildingRow(code, grid, from_geos(fp), *figures) for pk, code, grid, fp, *figures in rows}
        where = Q(grid_id__in=grid_ids) | Q(location__intersects=region)
        sensors = dict(Sensor.objects.filter(where).values_list("pk", "grid_id"))
        incidents = dict(Incident.objects.open().filter(where).values_list("pk", "grid_id"))
        retired = list(Incident.objects.filter(grid_id__in=retired_ids).values_list("pk", flat=True))
        return cls(buildings, sensors, incidents, retired)

    def now(self) -> Snapshot:
        """The same buildings, sensors and cases, where they are now."""
        buildings = dict(Building.objects.filter(pk__in=list(self.buildings)).values_list("pk", "grid_id"))
        return Snapshot(
            {pk: BuildingRow(row.code, buildings.get(pk), row.footprint, row.households, row.green, row.yellow,
                             row.red, row.residents) for pk, row in self.buildings.items()},
            dict(Sensor.objects.filter(pk__in=list(self.sensors)).values_list("pk", "grid_id")),
            dict(Incident.objects.filter(pk__in=list(self.open_incidents)).values_list("pk", "grid_id")))

    def grid_ids(self) -> set[int]:
        return {row.grid_id for row in self.buildings.values() if row.grid_id is not None}


def _move_row(source: str | None, target: str | None) -> dict:
    return {"from": source, "to": target, "buildings": 0, "households": 0, "green": 0, "yellow": 0, "red": 0,
            "residents": 0, "sensors": 0, "open_incidents": 0}


def moves(before: Snapshot, after: Snapshot, label) -> list[dict]:
    """Per (from grid, to grid): buildings, households by tier, residents, sensors and open cases moved."""
    rows: dict[tuple, dict] = {}

    def row(old, new) -> dict:
        key = (label(old), label(new))
        return rows.setdefault(key, _move_row(*key))

    for pk, was in before.buildings.items():
        now = after.buildings[pk].grid_id
        if now != was.grid_id:
            item = row(was.grid_id, now)
            item["buildings"] += 1
            for name in ("households", "green", "yellow", "red", "residents"):
                item[name] += getattr(was, name)
    for kind, old_map, new_map in (("sensors", before.sensors, after.sensors),
                                   ("open_incidents", before.open_incidents, after.open_incidents)):
        for pk, was in old_map.items():
            if new_map.get(pk) != was:
                row(was, new_map.get(pk))[kind] += 1
    return sorted(rows.values(), key=lambda r: (str(r["from"]), str(r["to"])))


def moved_buildings(before: Snapshot, after: Snapshot, label) -> dict:
    """Points (on each moved building's footprint) with the building code and its old and new grid."""
    return collection([
        feature(was.footprint.representative_point(),
                {"code": was.code, "from": label(was.grid_id), "to": label(after.buildings[pk].grid_id)})
        for pk, was in sorted(before.buildings.items(), key=lambda item: item[1].code)
        if after.buildings[pk].grid_id != was.grid_id])


def cut_buildings(after: Snapshot, layout: dict[str, BaseGeometry], region: BaseGeometry, label,
                  key_label) -> list[dict]:
    """Buildings in the edited area that the new boundaries cut: each grid's share and where they go."""
    keys = list(layout)
    tree = shapely.STRtree([layout[key] for key in keys])
    cut = []
    for row in sorted(after.buildings.values(), key=lambda r: r.code):
        if not row.footprint.intersects(region):
            continue
        area = row.footprint.area
        shares = {}
        for i in tree.query(row.footprint, predicate="intersects").tolist():
            share = shapely.intersection(row.footprint, layout[keys[i]], grid_size=PRECISION).area / area
            if share >= CUT_SHARE:
                shares[key_label(keys[i])] = round(share, 4)
        if len(shares) > 1:
            cut.append({"code": row.code, "shares": dict(sorted(shares.items())), "goes_to": label(row.grid_id)})
    return cut

