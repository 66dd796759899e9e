"""Metres on a village-sized patch of lon/lat: a local equirectangular frame around an origin.

Areas, lengths and tolerances of planning are asked in m² and m; the geometries stay in EPSG:4326.
Over a few kilometres the scale error of this frame is far below a percent (WGS84 ellipsoid radii
of curvature at the origin's latitude), which is all a grid-planning check needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_A = 6378137.0  # WGS84 semi-major axis, m
_E2 = 6.69437999014e-3  # WGS84 first eccentricity squared


@dataclass(frozen=True)
class Metric:
    lon0: float
    lat0: float

    @classmethod
    def around(cls, geometry: BaseGeometry) -> Metric:
        """A frame centred on the middle of a geometry's bounding box."""
        minx, miny, maxx, maxy = geometry.bounds
        return cls((minx + maxx) / 2, (miny + maxy) / 2)

    @property
    def scale(self) -> tuple[float, float]:
        """Metres per degree of longitude and of latitude at the origin."""
        phi = math.radians(self.lat0)
        w = 1 - _E2 * math.sin(phi) ** 2
        meridian = _A * (1 - _E2) / w ** 1.5
        normal = _A / math.sqrt(w)
        return normal * math.cos(phi) * math.pi / 180, meridian * math.pi / 180

    def to_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        kx, ky = self.scale
        origin, k = np.array([self.lon0, self.lat0]), np.array([kx, ky])
        return shapely.transform(geometry, lambda xy: (xy - origin) * k)

    def from_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        kx, ky = self.scale
        origin, k = np.array([self.lon0, self.lat0]), np.array([kx, ky])
        return shapely.transform(geometry, lambda xy: xy / k + origin)

    def area_m2(self, geometry: BaseGeometry) -> float:
        kx, ky = self.scale
        return float(geometry.area * kx * ky)

    def length_m(self, geometry: BaseGeometry) -> float:
        return float(self.to_metres(geometry).length)

    def degrees(self, metres: float) -> float:
        """A distance in metres as degrees (of latitude: the smaller degree, so a tolerance errs short)."""
        return metres / max(self.scale)
