"""Geometry of the generated area: divisions, grids, street lattice, building footprints, cameras.

Everything is built in a local metric frame (metres east / north of the profile centre) and
turned into WGS84 degrees at the end by one affine map, so "inside" survives the conversion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from layers.demo.profiles import ProfileSpec

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_EQUATOR = 111_320.0
LLOYD_STEPS = 2
BUILDING_MARGIN_M = 3.0
BUILDING_JITTER_DEG = 3.0
COUNTY_MARGIN_M = 1500.0


@dataclass(frozen=True)
class LocalFrame:
    """Equirectangular metres around a centre; accurate to well under a metre over a city."""

    lon0: float
    lat0: float

    @property
    def metres_per_degree_lon(self) -> float:
        return METRES_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(self.lat0))

    def to_degrees_xy(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([self.lon0 + xy[:, 0] / self.metres_per_degree_lon,
                                self.lat0 + xy[:, 1] / METRES_PER_DEGREE_LAT])

    def to_metres_xy(self, lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack([(lonlat[:, 0] - self.lon0) * self.metres_per_degree_lon,
                                (lonlat[:, 1] - self.lat0) * METRES_PER_DEGREE_LAT])

    def to_degrees(self, geoms: np.ndarray) -> np.ndarray:
        return shapely.transform(geoms, self.to_degrees_xy)


@dataclass
class Area:
    """One division or grid: code, name, level, parent index and boundary (metres)."""

    code: str
    name: str
    level: str | int
    parent: int | None  # index into the same list (divisions) or grids list
    boundary: MultiPolygon
    division: int | None = None  # grids: index of their village


@dataclass
class Layout:
    """All geometry of a generated area, in local metres."""

    frame: LocalFrame
    region: Polygon
    divisions: list[Area]
    grids: list[Area]
    leaf_grids: np.ndarray  # indices into grids
    footprints: np.ndarray  # shapely polygons
    building_leaf: np.ndarray  # index into grids of each building's leaf grid
    building_type: np.ndarray  # index into profile.building_types
    cameras: np.ndarray  # (n, 2) metres
    camera_leaf: np.ndarray  # index into grids of each camera's leaf grid


def as_multipolygon(geom) -> MultiPolygon:
    polygons = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    return MultiPolygon(polygons)


def random_points_in(polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points uniformly inside a polygon (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        batch = rng.uniform((minx, miny), (maxx, maxy), size=(max(2 * n, 16), 2))
        inside = batch[shapely.contains_xy(polygon, batch[:, 0], batch[:, 1])]
        found.append(inside)
        total += len(inside)
    return np.concatenate(found)[:n]


def voronoi_cells(polygon, seeds: np.ndarray) -> list[MultiPolygon]:
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=polygon, ordered=True)
    clipped = shapely.intersection(shapely.get_parts(cells), polygon)
    return [as_multipolygon(c) for c in clipped]


def split_polygon(polygon, n: int, rng: np.random.Generator) -> list[MultiPolygon]:
    """Tile a polygon with n compact cells (Voronoi with Lloyd relaxation), north-west first."""
    if n == 1:
        return [as_multipolygon(polygon)]
    seeds = random_points_in(polygon, n, rng)
    cells = voronoi_cells(polygon, seeds)
    for _ in range(LLOYD_STEPS):
        seeds = shapely.get_coordinates(shapely.centroid(cells))
        cells = voronoi_cells(polygon, seeds)
    return sorted(cells, key=reading_order_key(polygon.area, n))


def reading_order_key(area: float, n: int):
    """Sort cells in rows from north to south, west to east within a row."""
    band = math.sqrt(area / n)

    def key(cell) -> tuple[float, float]:
        c = cell.centroid
        return (-round(c.y / band), c.x)

    return key


def build_divisions(spec: ProfileSpec, region: Polygon, rng: np.random.Generator,
                    names) -> tuple[list[Area], list[int]]:
    """Counties, towns and villages tiling the region; returns them and each village's grid count."""
    divisions: list[Area] = []
    grid_counts: list[int] = []
    n_counties = len(spec.county_codes)
    county_cells = ([as_multipolygon(region.buffer(COUNTY_MARGIN_M))] if n_counties == 1
                    else split_polygon(region, n_counties, rng))
    town_parent_area = [region] if n_counties == 1 else county_cells
    for c, (code, name) in enumerate(zip(spec.county_codes, spec.county_names, strict=True)):
        divisions.append(Area(code + "000000", name, "county", None, county_cells[c]))
        county_index = len(divisions) - 1
        n_towns = int(rng.integers(spec.towns_per_county[0], spec.towns_per_county[1] + 1))
        for t, town_cell in enumerate(split_polygon(shapely.union_all(town_parent_area[c]), n_towns, rng)):
            town_code = f"{code}{spec.first_town + t:03d}"
            town_name = spec.town_names[t] if spec.town_names else names.town_name(rng, t)
            divisions.append(Area(town_code + "000", town_name, "town", county_index, town_cell))
            town_index = len(divisions) - 1
            n_villages = int(rng.integers(spec.villages_per_town[0], spec.villages_per_town[1] + 1))
            for v, village_cell in enumerate(split_polygon(shapely.union_all(town_cell), n_villages, rng)):
                village_name = spec.village_names[v] if spec.village_names else names.village_name(rng, v)
                divisions.append(Area(f"{town_code}{spec.first_village + v:03d}", village_name, "village",
                                      town_index, village_cell))
                grid_counts.append(village_grid_count(spec, v, rng))
    return divisions, grid_counts


def village_grid_count(spec: ProfileSpec, village_number: int, rng: np.random.Generator) -> int:
    """The demo fixes each community's grid count; the city draws it."""
    if spec.village_names:
        return spec.grids_per_village[village_number]
    return int(rng.choice(spec.grids_per_village))


def build_grids(spec: ProfileSpec, divisions: list[Area], grid_counts: list[int],
                rng: np.random.Generator) -> list[Area]:
    """Level-1 grids tiling each village, then sub-grids tiling their parent grid."""
    grids: list[Area] = []
    villages = [i for i, d in enumerate(divisions) if d.level == "village"]
    parents: list[int] = []
    for village_index, count in zip(villages, grid_counts, strict=True):
        village = divisions[village_index]
        for k, cell in enumerate(split_polygon(shapely.union_all(village.boundary), count, rng)):
            grids.append(Area(f"{village.code}{k + 1:03d}", f"{village.name}第{k + 1}网格", 1, None, cell,
                              division=village_index))
            parents.append(len(grids) - 1)
    for depth, per_parent in enumerate(spec.sub_grids, start=2):
        children: list[int] = []
        for parent_index in parents:
            parent = grids[parent_index]
            for k, cell in enumerate(split_polygon(shapely.union_all(parent.boundary), per_parent, rng)):
                grids.append(Area(f"{parent.code}{k + 1:02d}", f"{parent.name}{k + 1}分格", depth, parent_index,
                                  cell, division=parent.division))
                children.append(len(grids) - 1)
        parents = children
    return grids


def leaf_indices(grids: list[Area]) -> np.ndarray:
    has_children = {g.parent for g in grids if g.parent is not None}
    return np.array([i for i in range(len(grids)) if i not in has_children], dtype=np.int64)


@dataclass(frozen=True)
class Lattice:
    """The street lattice: plots in blocks, a street between blocks, rotated as a whole."""

    plot: tuple[float, float]
    block_plots: tuple[int, int]
    street: float
    rotation: float  # radians

    @property
    def block_pitch(self) -> tuple[float, float]:
        return (self.block_plots[0] * self.plot[0] + self.street, self.block_plots[1] * self.plot[1] + self.street)

    def rotate(self, xy: np.ndarray, sign: float = 1.0) -> np.ndarray:
        c, s = math.cos(sign * self.rotation), math.sin(sign * self.rotation)
        return xy @ np.array([[c, s], [-s, c]])

    def block_range(self, bounds: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        bx, by = self.block_pitch
        return (np.arange(math.floor(bounds[0] / bx), math.ceil(bounds[2] / bx) + 1),
                np.arange(math.floor(bounds[1] / by), math.ceil(bounds[3] / by) + 1))

    def plot_centres(self, bounds: tuple[float, float, float, float]) -> np.ndarray:
        """Centres (lattice frame) of all plots in the blocks meeting the bounds."""
        bi, bj = self.block_range(bounds)
        bx, by = self.block_pitch
        px = (bi[:, None] * bx + np.arange(self.block_plots[0])[None, :] * self.plot[0] + self.plot[0] / 2).ravel()
        py = (bj[:, None] * by + np.arange(self.block_plots[1])[None, :] * self.plot[1] + self.plot[1] / 2).ravel()
        gx, gy = np.meshgrid(px, py)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def crossings(self, bounds: tuple[float, float, float, float]) -> np.ndarray:
        """Street crossings (lattice frame) in the blocks meeting the bounds."""
        bi, bj = self.block_range(bounds)
        bx, by = self.block_pitch
        gx, gy = np.meshgrid(bi * bx - self.street / 2, bj * by - self.street / 2)
        return np.column_stack([gx.ravel(), gy.ravel()])


def lattice_for(spec: ProfileSpec) -> Lattice:
    return Lattice(spec.street_lattice_m, spec.block_plots, spec.street_width_m, math.radians(spec.rotation_deg))


def settlement_bounds(lattice: Lattice, polygon, share: float) -> tuple[float, float, float, float]:
    """Lattice-frame bounds of where a grid has buildings: all of it, or a square round its centre."""
    ring = lattice.rotate(shapely.get_coordinates(polygon), sign=-1.0)
    minx, miny = ring.min(axis=0)
    maxx, maxy = ring.max(axis=0)
    if share >= 1.0:
        return (minx, miny, maxx, maxy)
    centre = lattice.rotate(shapely.get_coordinates(polygon.point_on_surface()), sign=-1.0)[0]
    half = max(math.sqrt(share * polygon.area) / 2, lattice.block_pitch[0] / 2)
    return (max(minx, centre[0] - half), max(miny, centre[1] - half),
            min(maxx, centre[0] + half), min(maxy, centre[1] + half))


def footprints_at(centres: np.ndarray, sizes: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Rectangles (world frame) of given sizes centred at points, rotated by angles (radians)."""
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local = corners[None, :, :] * sizes[:, None, :]
    c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
    x = local[..., 0] * c - local[..., 1] * s + centres[:, 0:1]
    y = local[..., 0] * s + local[..., 1] * c + centres[:, 1:2]
    return shapely.polygons(np.stack([x, y], axis=-1))


def candidate_buildings(spec: ProfileSpec, lattice: Lattice, grids: list[Area], leaves: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Footprints on every plot that lies wholly inside a leaf grid; also the street crossings."""
    weights = np.array([t.weight for t in spec.building_types])
    sizes = np.array([t.size_m for t in spec.building_types])
    polys, leaf_of, types, cams, cam_leaf = [], [], [], [], []
    for leaf in leaves:
        boundary = grids[leaf].boundary
        bounds = settlement_bounds(lattice, boundary, spec.settlement_share)
        centres = lattice.plot_centres(bounds)
        kind = rng.choice(len(weights), size=len(centres), p=weights / weights.sum())
        jitter = rng.normal(0.0, math.radians(BUILDING_JITTER_DEG) / 2, size=len(centres))
        world = footprints_at(lattice.rotate(centres), sizes[kind], lattice.rotation + jitter)
        inner = boundary.buffer(-BUILDING_MARGIN_M)
        shapely.prepare(inner)
        keep = shapely.contains(inner, world)
        polys.append(world[keep])
        leaf_of.append(np.full(int(keep.sum()), leaf))
        types.append(kind[keep])
        crossings = lattice.rotate(lattice.crossings(bounds))
        inside = crossings[shapely.contains_xy(boundary, crossings[:, 0], crossings[:, 1])]
        cams.append(inside)
        cam_leaf.append(np.full(len(inside), leaf))
    return (np.concatenate(polys), np.concatenate(leaf_of), np.concatenate(types), np.concatenate(cams),
            np.concatenate(cam_leaf))


def choose(n_available: int, wanted: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of `wanted` items out of n (all of them when fewer are available)."""
    if wanted >= n_available:
        return np.arange(n_available)
    return np.sort(rng.choice(n_available, size=wanted, replace=False))


def build_layout(spec: ProfileSpec, rng: np.random.Generator, names) -> Layout:
    region = Polygon(spec.region_m)
    divisions, grid_counts = build_divisions(spec, region, rng, names)
    grids = build_grids(spec, divisions, grid_counts, rng)
    leaves = leaf_indices(grids)
    lattice = lattice_for(spec)
    polys, leaf_of, types, crossings, crossing_leaf = candidate_buildings(spec, lattice, grids, leaves, rng)
    picked = choose(len(polys), spec.buildings, rng)
    cameras = choose(len(crossings), spec.cameras, rng)
    return Layout(LocalFrame(*spec.centre), region, divisions, grids, leaves, polys[picked], leaf_of[picked],
                  types[picked], crossings[cameras], crossing_leaf[cameras])
