"""The whole generated district in memory: one column table per database table, ids pre-assigned."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
import shapely

from layers.demo import incidents as incident_gen
from layers.demo import names, people
from layers.demo.layout import Layout, build_layout
from layers.demo.profiles import ProfileSpec

SMOKE_OFFLINE_SHARE = 0.05
PART_TIME_WORKERS = 0.4


@dataclass
class Table:
    """Rows of one database table as equally long column arrays (ids are 1..n)."""

    name: str
    columns: dict[str, np.ndarray]
    geometry: dict[str, np.ndarray] = field(default_factory=dict)  # column -> shapely geometries (degrees)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


@dataclass
class Dataset:
    spec: ProfileSpec
    seed: int
    layout: Layout
    tables: dict[str, Table]
    timings: dict[str, float]

    def counts(self) -> dict[str, int]:
        return {name: len(table) for name, table in self.tables.items()}


def ids(n: int) -> np.ndarray:
    return np.arange(1, n + 1, dtype=np.int64)


def rank_within(groups: np.ndarray) -> np.ndarray:
    """1-based position of each item among the items of its group, in input order."""
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    starts = np.maximum.accumulate(np.where(np.r_[True, g[1:] != g[:-1]], np.arange(len(g)), 0))
    rank = np.empty(len(g), dtype=np.int64)
    rank[order] = np.arange(len(g)) - starts + 1
    return rank


def division_table(layout: Layout) -> Table:
    divisions = layout.divisions
    parent = np.array([-1 if d.parent is None else d.parent + 1 for d in divisions])
    return Table("layers_division", {
        "id": ids(len(divisions)),
        "code": np.array([d.code for d in divisions], dtype=object),
        "name": np.array([d.name for d in divisions], dtype=object),
        "level": np.array([d.level for d in divisions], dtype=object),
        "parent_id": np.where(parent < 0, None, parent).astype(object),
    }, {"boundary": layout.frame.to_degrees(np.array([d.boundary for d in divisions]))})


def grid_figures(layout: Layout, hh_leaf: np.ndarray, tier: np.ndarray, resident_leaf: np.ndarray) -> dict:
    """Households, residents and tiers per grid, a grid counting its sub-grids too."""
    n = len(layout.grids)
    figures = {"households": np.bincount(hh_leaf, minlength=n),
               "residents": np.bincount(resident_leaf, minlength=n)}
    for colour in ("green", "yellow", "red"):
        figures[f"tier_{colour}"] = np.bincount(hh_leaf[tier == colour], minlength=n)
    for index in range(n - 1, -1, -1):
        parent = layout.grids[index].parent
        if parent is not None:
            for values in figures.values():
                values[parent] += values[index]
    return figures


def grid_table(layout: Layout, figures: dict, now: dt.datetime) -> Table:
    grids = layout.grids
    parent = [None if g.parent is None else g.parent + 1 for g in grids]
    return Table("layers_grid", {
        "id": ids(len(grids)),
        "code": np.array([g.code for g in grids], dtype=object),
        "name": np.array([g.name for g in grids], dtype=object),
        "level": np.array([g.level for g in grids]),
        "kind": np.full(len(grids), "comprehensive", dtype=object),
        "division_id": np.array([g.division + 1 for g in grids]),
        "parent_id": np.array(parent, dtype=object),
        **figures,
        "revision": np.ones(len(grids), dtype=np.int64),
        "updated_at": np.full(len(grids), now.isoformat(), dtype=object),
    }, {"boundary": layout.frame.to_degrees(np.array([g.boundary for g in grids]))})


def grid_worker_table(layout: Layout, rng: np.random.Generator) -> Table:
    n_grids = len(layout.grids)
    part_time = np.flatnonzero(rng.random(n_grids) < PART_TIME_WORKERS)
    grid = np.concatenate([np.arange(n_grids), part_time])
    sex = np.where(rng.random(len(grid)) < 0.45, "M", "F").astype(object)
    return Table("layers_gridworker", {
        "id": ids(len(grid)), "grid_id": grid + 1, "user_id": np.full(len(grid), None, dtype=object),
        "name": names.person_names(sex, rng), "phone": names.phones(len(grid), rng),
        "kind": np.where(np.arange(len(grid)) < n_grids, "full_time", "part_time").astype(object),
    })


def village_of_leaf(layout: Layout) -> np.ndarray:
    return np.array([g.division for g in layout.grids])


def building_table(spec: ProfileSpec, layout: Layout, figures: dict) -> Table:
    village = village_of_leaf(layout)[layout.building_leaf]
    number = rank_within(village)
    pairs = list(zip(village.tolist(), number.tolist(), strict=True))
    codes = np.array([f"{layout.divisions[v].code}B{k:04d}" for v, k in pairs], dtype=object)
    place = {v: f"{spec.city_name}{layout.divisions[layout.divisions[layout.divisions[v].parent].parent].name}"
                f"{layout.divisions[layout.divisions[v].parent].name}{layout.divisions[v].name}"
             for v in np.unique(village).tolist()}
    known = not spec.assign_in_database
    n = len(codes)
    return Table("layers_building", {
        "id": ids(n), "code": codes,
        "address": np.array([f"{place[v]}{k}栋" for v, k in pairs], dtype=object),
        "name": np.array([f"{k}栋" for k in number.tolist()], dtype=object),
        "floors": figures["floors"], "height": figures["height"], "use": figures["use"],
        "year_built": figures["year_built"],
        "grid_id": layout.building_leaf + 1 if known else np.full(n, None, dtype=object),
        "village_id": village + 1,  # from the layout: BuildingQuerySet.assign_villages() fails (see seeding)
    }, {"footprint": layout.frame.to_degrees(shapely.multipolygons(layout.footprints[:, None]))})


def unit_table(figures: dict) -> tuple[Table, np.ndarray]:
    """Units of buildings with dwellings; also each building's first unit id minus one."""
    counts = np.where(figures["rooms"] > 0, figures["units"], 0)
    building = np.repeat(np.arange(len(counts)), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    number = np.arange(len(building)) - offsets[building] + 1
    return Table("layers_unit", {"id": ids(len(building)), "building_id": building + 1, "number": number}), offsets


def household_table(rooms: dict, unit_offsets: np.ndarray, building_codes: np.ndarray, tier: np.ndarray) -> Table:
    b = rooms["building"]
    codes = np.array([f"{c}-{u}-{r}" for c, u, r in zip(building_codes[b].tolist(), rooms["unit"].tolist(),
                                                      rooms["room"].tolist(), strict=True)], dtype=object)
    return Table("layers_household", {
        "id": ids(len(b)), "code": codes, "building_id": b + 1, "unit_id": unit_offsets[b] + rooms["unit"],
        "floor": rooms["floor"], "room": rooms["room"], "tier": tier,
    })


def resident_table(rows: dict) -> Table:
    columns = ("name", "sex", "birth_date", "id_number", "phone", "relation", "residence_type", "care_tags")
    return Table("layers_resident", {"id": ids(len(rows["household"])), "household_id": rows["household"] + 1,
                                     **{c: rows[c] for c in columns}})


def points_inside(footprints: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A point inside each (convex) footprint: between its centroid and a random corner."""
    centre = shapely.get_coordinates(shapely.centroid(footprints))
    corners = shapely.get_coordinates(footprints).reshape(len(footprints), 5, 2)
    corner = corners[np.arange(len(footprints)), rng.integers(0, 4, size=len(footprints))]
    return centre + (corner - centre) * rng.uniform(0.0, 0.6, size=(len(footprints), 1))


def sensor_table(spec: ProfileSpec, layout: Layout, hh_building: np.ndarray, elderly: np.ndarray,
                 now: dt.datetime, rng: np.random.Generator) -> Table:
    """A smoke detector in the building of every elderly person living alone, and the street cameras."""
    households = np.flatnonzero(elderly)
    building = hh_building[households]
    smoke_xy = points_inside(layout.footprints[building], rng)
    n_smoke, n_cam = len(households), len(layout.cameras)
    n = n_smoke + n_cam
    offline = rng.random(n) < SMOKE_OFFLINE_SHARE
    now64 = np.datetime64(now.replace(tzinfo=None), "s")
    silence = np.where(offline, rng.integers(2 * 86400, 20 * 86400, size=n), rng.integers(0, 1800, size=n))
    known = not spec.assign_in_database
    leaf = np.concatenate([layout.building_leaf[building], layout.camera_leaf])
    xy = np.concatenate([smoke_xy, layout.cameras])
    return Table("layers_sensor", {
        "id": ids(n),
        "device_id": np.array([f"YG{i:08d}" for i in range(1, n_smoke + 1)]
                              + [f"XL{i:08d}" for i in range(1, n_cam + 1)], dtype=object),
        "kind": np.array(["smoke"] * n_smoke + ["camera"] * n_cam, dtype=object),
        "building_id": np.concatenate([building + 1, np.full(n_cam, None)]).astype(object),
        "household_id": np.concatenate([households + 1, np.full(n_cam, None)]).astype(object),
        "grid_id": leaf + 1 if known else np.full(n, None, dtype=object),
        "status": np.where(offline, "offline", "online").astype(object),
        "installed_at": now64 - rng.integers(30 * 86400, 700 * 86400, size=n).astype("timedelta64[s]"),
        "last_heartbeat": now64 - silence.astype("timedelta64[s]"),
        "battery": np.where(np.arange(n) < n_smoke, rng.integers(35, 101, size=n), None).astype(object),
    }, {"location": layout.frame.to_degrees(shapely.points(xy))})


def locate(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Index of the polygon covering each point, -1 when none (first by index on shared edges)."""
    tree = shapely.STRtree(polygons)
    point_idx, poly_idx = tree.query(shapely.points(points), predicate="intersects")
    found = np.full(len(points), -1, dtype=np.int64)
    order = np.lexsort((poly_idx, point_idx))
    point_idx, poly_idx = point_idx[order], poly_idx[order]
    first = np.r_[True, point_idx[1:] != point_idx[:-1]]
    found[point_idx[first]] = poly_idx[first]
    return found


def incident_table(spec: ProfileSpec, layout: Layout, now: dt.datetime, rng: np.random.Generator) -> Table:
    anchors = shapely.get_coordinates(shapely.centroid(layout.footprints))
    xy = incident_gen.incident_points(layout.region, anchors, spec.incidents, spec.hotspots, rng)
    cols = incident_gen.incidents(xy, now, rng)
    order = cols.pop("order")
    cols = {k: v[order] for k, v in cols.items()}
    xy = np.column_stack([cols.pop("x"), cols.pop("y")])
    n = len(xy)
    if spec.assign_in_database:
        grid = building = np.full(n, None, dtype=object)
    else:
        leaves = layout.leaf_grids
        leaf = locate(xy, np.array([layout.grids[i].boundary for i in leaves]))
        grid = np.where(leaf >= 0, leaves[leaf] + 1, None).astype(object)
        hit = locate(xy, layout.footprints)
        building = np.where(hit >= 0, hit + 1, None).astype(object)
    day = cols.pop("day")
    return Table("layers_incident", {
        "id": ids(n),
        "code": np.array([f"SJ{d}{i:07d}" for d, i in zip(day.tolist(), range(1, n + 1), strict=True)], dtype=object),
        "title": cols["title"], "description": np.array([f"{t}，请网格员现场核实处理。" for t in cols["title"]],
                                                        dtype=object),
        "category": cols["category"], "source": cols["source"], "status": cols["status"],
        "grid_id": grid, "building_id": building,
        "reported_at": cols["reported_at"], "deadline": cols["deadline"], "closed_at": cols["closed_at"],
    }, {"location": layout.frame.to_degrees(shapely.points(xy))})


def household_regions(layout: Layout, building_of_household: np.ndarray) -> np.ndarray:
    """6-digit county code of each household's village, as integers."""
    village = village_of_leaf(layout)[layout.building_leaf[building_of_household]]
    county_code = np.array([int(d.code[:6]) for d in layout.divisions])
    return county_code[village]


class Stopwatch:
    """Named stage timings."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def stage(self, name: str):
        watch = self

        class _Stage:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                watch.timings[name] = watch.timings.get(name, 0.0) + time.perf_counter() - self.start

        return _Stage()


def generate(spec: ProfileSpec, seed: int, now: dt.datetime, watch: Stopwatch | None = None) -> Dataset:
    """Build every table of a profile, deterministically for (seed, now). `now` must be UTC."""
    watch = watch or Stopwatch()
    rng = np.random.default_rng(seed)
    with watch.stage("generate layout"):
        layout = build_layout(spec, rng, names.PlaceNames)
    with watch.stage("generate people"):
        figures = people.building_figures(spec, layout.building_type, rng)
        rooms = people.households(spec, figures, rng)
        hh, rows = people.residents(spec, household_regions(layout, rooms["building"]), rng)
        buildings = building_table(spec, layout, figures)
        units, unit_offsets = unit_table(figures)
        households = household_table(rooms, unit_offsets, buildings.columns["code"], hh["tier"])
        residents = resident_table(rows)
        hh_leaf = layout.building_leaf[rooms["building"]]
        counted = grid_figures(layout, hh_leaf, hh["tier"], hh_leaf[rows["household"]])
        if spec.assign_in_database:
            counted = {k: np.zeros_like(v) for k, v in counted.items()}
    with watch.stage("generate devices"):
        grids = grid_table(layout, counted, now)
        workers = grid_worker_table(layout, rng)
        sensors = sensor_table(spec, layout, rooms["building"], hh["elderly"], now, rng)
    with watch.stage("generate incidents"):
        incident_rows = incident_table(spec, layout, now, rng)
    tables = [division_table(layout), grids, workers, buildings, units, households, residents, sensors,
              incident_rows]
    return Dataset(spec, seed, layout, {t.name: t for t in tables}, watch.timings)
