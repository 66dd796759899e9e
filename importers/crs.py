"""Coordinate reference systems an import accepts, and the conversion of a layer to WGS84.

Accepted: WGS84 (EPSG:4326), CGCS2000 (EPSG:4490, < 1 m from WGS84, taken as is), the CGCS2000
Gauss-Krüger zones (EPSG:4491-4554), Web Mercator (EPSG:3857); GCJ-02 and BD-09 only on request
(``--source-crs gcj02|bd09``: no file says it is in them), converted by the iterative inverse of
``basemap.chinacrs``. Only EPSG codes from this list reach PROJ: user-supplied SRS text is never
passed to GDAL or PROJ for parsing.

Accuracy of the GCJ-02/BD-09 inverse, measured end to end (CSV → import → PostGIS → read back;
tests/test_import_formats.py::test_gcj02_and_bd09_points: six cities and a 0.5° grid over China,
lon 74-135, lat 18-53, 8,739 points shifted by the forward formulas): every stored WGS84 point is
within 1.4e-11° of the truth for both GCJ-02 and BD-09 (about 2 µm; the test holds it to 1e-10°,
the requirement is 1e-7° ≈ 1 cm). That is the error of inverting the formulas of basemap.chinacrs;
how closely those public formulas match a provider's own shift is outside what this can measure.
Gauss-Krüger and Web Mercator go through PROJ (stored coordinates within 1e-7° of pyproj's own
answer, tested); CGCS2000 is taken as WGS84 (< 1 m apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely

from basemap import chinacrs
from geo_governance.errors import BadInput

WGS84, CGCS2000, WEB_MERCATOR = 4326, 4490, 3857
GAUSS_KRUGER = range(4491, 4555)
SHIFTED = {"gcj02": "GCJ-02", "bd09": "BD-09"}
# China and its seas, generously: outside this a coordinate is reported, not silently kept.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)


def accepted_epsg(code: int) -> bool:
    return code in (WGS84, CGCS2000, WEB_MERCATOR) or code in GAUSS_KRUGER


@dataclass(frozen=True)
class SourceCrs:
    """Where a layer's coordinates are: an accepted EPSG code, or WGS84 shifted to GCJ-02/BD-09."""

    epsg: int = WGS84
    shifted: str | None = None  # "gcj02" | "bd09"

    @property
    def label(self) -> str:
        return SHIFTED[self.shifted] if self.shifted else f"EPSG:{self.epsg}"


ACCEPTED_TEXT = "EPSG:4326、4490、4491-4554、3857，或 gcj02 / bd09"


def parse_source_crs(value: str | None) -> SourceCrs | None:
    """--source-crs: 'gcj02', 'bd09', 'wgs84', 'cgcs2000' or an accepted EPSG code; None when not given."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().lower()
    if text in SHIFTED:
        return SourceCrs(WGS84, text)
    named = {"wgs84": WGS84, "cgcs2000": CGCS2000, "webmercator": WEB_MERCATOR}
    if text in named:
        return SourceCrs(named[text])
    match = re.fullmatch(r"(?:epsg:)?(\d{4,5})", text)
    if match and accepted_epsg(int(match.group(1))):
        return SourceCrs(int(match.group(1)))
    raise BadInput(f"不支持的坐标系：{value}（可选：{ACCEPTED_TEXT}） / unsupported CRS {value!r}", field="source_crs")


# Names GDAL gives a file's CRS that mean an accepted one: the 3D variants of WGS84 and CGCS2000 (a file
# with Z coordinates) and the OGC name of WGS84 with lon/lat order.
SAME_AS = {"EPSG:4979": WGS84, "EPSG:4480": CGCS2000, "OGC:CRS84": WGS84, "OGC:CRS84H": WGS84}


def crs_of_file(crs_text: str | None) -> SourceCrs | None:
    """The file's own CRS as GDAL reports it ('EPSG:4490' …); None when the file has none."""
    if not crs_text:
        return None
    text = crs_text.strip().upper()
    if text in SAME_AS:
        return SourceCrs(SAME_AS[text])
    match = re.fullmatch(r"EPSG:(\d+)", text)
    if match and accepted_epsg(int(match.group(1))):
        return SourceCrs(int(match.group(1)))
    raise BadInput(f"文件坐标系 {crs_text[:80]} 不在支持范围（{ACCEPTED_TEXT}）；请先转换，或用 --source-crs 指明 / "
                   f"the file's CRS is not supported; convert it first or name it with --source-crs",
                   field="source_crs")


def resolve(file_crs: str | None, requested: SourceCrs | None) -> SourceCrs:
    """The request wins (a GCJ-02 file says WGS84 in its header); else the file's; else WGS84."""
    if requested is not None:
        return requested
    return crs_of_file(file_crs) or SourceCrs(WGS84)


def _projected_to_wgs84(geoms: np.ndarray, epsg: int) -> np.ndarray:
    from pyproj import Transformer

    transformer = Transformer.from_crs(epsg, WGS84, always_xy=True)

    def to_degrees(xy: np.ndarray) -> np.ndarray:
        padded = np.vstack([xy, xy]) if len(xy) == 1 else xy  # pyproj 3.7 takes a 1-element array for a scalar
        return np.column_stack(transformer.transform(padded[:, 0], padded[:, 1]))[: len(xy)]

    return shapely.transform(geoms, to_degrees)


def to_wgs84(geoms: np.ndarray, source: SourceCrs) -> np.ndarray:
    """Geometries in WGS84 degrees (CGCS2000 is kept as is: the two differ by less than a metre)."""
    if source.shifted:
        return shapely.transform(geoms, lambda xy: np.column_stack(
            chinacrs.convert(xy[:, 0], xy[:, 1], source.shifted, "wgs84")))
    if source.epsg in (WGS84, CGCS2000):
        return geoms
    return _projected_to_wgs84(geoms, source.epsg)


def outside_china(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per geometry: outside China's bounds; and of those, ones that would be inside with x/y swapped."""
    bounds = shapely.bounds(geoms)
    west, south, east, north = CHINA_BOUNDS
    inside = ((bounds[:, 0] >= west) & (bounds[:, 2] <= east) & (bounds[:, 1] >= south) & (bounds[:, 3] <= north))
    swapped = ((bounds[:, 1] >= west) & (bounds[:, 3] <= east) & (bounds[:, 0] >= south) & (bounds[:, 2] <= north))
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    outside = ~inside & ~missing
    return outside, outside & swapped


def swap_axes(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])
