"""The suite's input files, made by the city generator and cached under var/bench (rebuilt when missing).

``city_buildings.gpkg`` holds the city profile's 200,000 building footprints with the buildings
kind's field names as columns (so our importer maps them without a mapping file);
``city_areas.gpkg`` holds its divisions and grids, loaded into the scratch database first so that
the import's spatial assignment has grids and villages to find. The layout is the one
``seed_demo --profile city`` generates for the same seed (same random draws in the same order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CITY_SEED = 20240601  # seed_demo's default seed
BUILDING_COLUMNS = ("code", "address", "name", "floors", "height", "use", "year_built")
DIVISION_COLUMNS = ("id", "code", "name", "level", "parent_id")
GRID_COLUMNS = ("id", "code", "name", "level", "kind", "division_id", "parent_id")
GPKG_OPTIONS = {"VERSION": "1.2"}  # the system GDAL 3.6 (ogr2ogr, GeoDjango) warns about GeoPackage 1.4


@dataclass(frozen=True)
class Inputs:
    buildings: Path  # the full file (one layer, "buildings")
    sample: Path  # its first features, for LayerMapping
    areas: Path  # layers "divisions" and "grids"
    count: int
    sample_count: int


def _write(path: Path, layer: str, columns: dict[str, np.ndarray], geometry: np.ndarray) -> None:
    import geopandas

    frame = geopandas.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", **GPKG_OPTIONS)


def _generate(folder: Path, say: Callable[[str], None]) -> None:
    from layers.demo import names, people
    from layers.demo.dataset import building_table, division_table, grid_table
    from layers.demo.layout import build_layout
    from layers.demo.profiles import get_profile

    spec = get_profile("city")
    rng = np.random.default_rng(CITY_SEED)
    say("generating the city layout (about a minute) …")
    layout = build_layout(spec, rng, names.PlaceNames)
    figures = people.building_figures(spec, layout.building_type, rng)
    buildings = building_table(spec, layout, figures)
    cols = {c: buildings.columns[c] for c in BUILDING_COLUMNS}
    cols["floors"] = cols["floors"].astype(np.int32)
    cols["year_built"] = cols["year_built"].astype(np.int32)
    _write(folder / "city_buildings.tmp.gpkg", "buildings", cols, buildings.geometry["footprint"])
    divisions = division_table(layout)
    grids = grid_table(layout, {}, dt.datetime.now(dt.UTC))  # figures are left out of the file
    areas = folder / "city_areas.tmp.gpkg"
    _write(areas, "divisions", {c: _nullable(divisions.columns[c]) for c in DIVISION_COLUMNS},
           divisions.geometry["boundary"])
    _write(areas, "grids", {c: _nullable(grids.columns[c]) for c in GRID_COLUMNS}, grids.geometry["boundary"])
    areas.rename(folder / "city_areas.gpkg")
    (folder / "city_buildings.tmp.gpkg").rename(folder / "city_buildings.gpkg")


def _nullable(values: np.ndarray) -> np.ndarray:
    """Parent ids hold None at the root: store them as integers with -1 for none."""
    if values.dtype == object and any(v is None for v in values.tolist()):
        return np.array([-1 if v is None else int(v) for v in values.tolist()], dtype=np.int64)
    return values


def _sample(full: Path, path: Path, count: int) -> None:
    import pyogrio

    frame = pyogrio.read_dataframe(full, max_features=count)
    frame.to_file(path, layer="buildings", driver="GPKG", engine="pyogrio", **GPKG_OPTIONS)


def ensure(folder: Path, sample_count: int, say: Callable[[str], None]) -> Inputs:
    """The cached files, generated first when one is missing."""
    import pyogrio

    folder.mkdir(parents=True, exist_ok=True)
    full, areas = folder / "city_buildings.gpkg", folder / "city_areas.gpkg"
    if not full.exists() or not areas.exists():
        for stale in (full, areas, *folder.glob("*.tmp.gpkg")):
            stale.unlink(missing_ok=True)
        _generate(folder, say)
    sample = folder / f"city_buildings_{sample_count}.gpkg"
    if not sample.exists():
        _sample(full, sample, sample_count)
    count = int(pyogrio.read_info(full)["features"])
    return Inputs(full, sample, areas, count, int(pyogrio.read_info(sample)["features"]))
