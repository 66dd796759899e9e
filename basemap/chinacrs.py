"""WGS84 ⇄ GCJ-02 ⇄ BD-09: the datums of Chinese web maps (twin of static/gridmap/chinacrs.js).

GCJ-02 ("Mars coordinates") is WGS84 shifted by a published, deliberately irregular function of
position (some hundred metres); BD-09 (Baidu) is GCJ-02 with one more shift in polar form. The
forward directions are closed formulas. The inverses have none, so they iterate the forward one:
``w ← w − (forward(w) − target)``, which converges because the shift changes slowly with position
(its Jacobian is close to the identity); it stops when the residual is below 1e-9° (≤ 30 steps).

Round-trip accuracy (measured on a 2.5° grid of 375 points over China, tests/test_chinacrs.py):
inverse(forward(p)) returns p within 5e-7 m for GCJ-02 and 2e-6 m for BD-09 (residual of the
forward below 2e-11°); the tests hold it to the required < 1e-7° (about 1 cm) against the
independent reference ``prcoords`` (PyPI).

Outside China (the usual rough bounding box, lon 72.004–137.8347, lat 0.8293–55.8271) every
conversion is the identity, as the Chinese providers do. Works on floats and on numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formulas.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
BD_X_PI = np.pi * 3000.0 / 180.0
BD_DLON, BD_DLAT = 0.0065, 0.006
CHINA_LON, CHINA_LAT = (72.004, 137.8347), (0.8293, 55.8271)
INVERSE_TOLERANCE = 1e-9  # degrees
INVERSE_MAX_STEPS = 30

Coords = tuple[float, float] | tuple[np.ndarray, np.ndarray]


def in_china(lon, lat):
    """True (or a boolean array) where the point lies in the rough bounding box of China."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1]) & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1])


def _shift_lat_m(x, y):
    return (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)


def _shift_lon_m(x, y):
    return (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)


def _wgs_to_gcj(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad) ** 2
    dlat = _shift_lat_m(x, y) * 180.0 / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * np.sqrt(magic)) * np.pi)
    dlon = _shift_lon_m(x, y) * 180.0 / (KRASOVSKY_A / np.sqrt(magic) * np.cos(rad) * np.pi)
    return lon + dlon, lat + dlat


def _gcj_to_bd(lon, lat):
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * BD_X_PI)
    return z * np.cos(theta) + BD_DLON, z * np.sin(theta) + BD_DLAT


def _wgs_to_bd(lon, lat):
    return _gcj_to_bd(*_wgs_to_gcj(lon, lat))


def _invert(forward: Callable) -> Callable:
    """The inverse of a forward shift, by fixed-point iteration starting at the target itself."""
    def inverse(lon, lat):
        guess_lon, guess_lat = lon, lat
        for _ in range(INVERSE_MAX_STEPS):
            fwd_lon, fwd_lat = forward(guess_lon, guess_lat)
            err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
            guess_lon, guess_lat = guess_lon - err_lon, guess_lat - err_lat
            if max(np.max(np.abs(err_lon)), np.max(np.abs(err_lat))) < INVERSE_TOLERANCE:
                break
        return guess_lon, guess_lat
    return inverse


def _identity(lon, lat):
    return lon, lat


# (source datum, target datum) → the conversion inside China.
CONVERSIONS: dict[tuple[str, str], Callable] = {
    ("wgs84", "gcj02"): _wgs_to_gcj,
    ("gcj02", "wgs84"): _invert(_wgs_to_gcj),
    ("gcj02", "bd09"): _gcj_to_bd,
    ("bd09", "gcj02"): _invert(_gcj_to_bd),
    ("wgs84", "bd09"): _wgs_to_bd,
    ("bd09", "wgs84"): _invert(_wgs_to_bd),
    **{(d, d): _identity for d in ("wgs84", "gcj02", "bd09")},
}


def convert(lon, lat, source: str, target: str) -> Coords:
    """Convert lon/lat (floats or arrays) from one datum to another; unchanged outside China."""
    try:
        conversion = CONVERSIONS[(source, target)]
    except KeyError:
        raise ValueError(f"unknown datum pair {source!r} → {target!r}; datums: wgs84, gcj02, bd09") from None
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = in_china(lon_a, lat_a)
    out_lon, out_lat = conversion(lon_a, lat_a)
    out_lon, out_lat = np.where(inside, out_lon, lon_a), np.where(inside, out_lat, lat_a)
    if out_lon.ndim == 0:
        return float(out_lon), float(out_lat)
    return out_lon, out_lat


def wgs84_to_gcj02(lon, lat) -> Coords:
    return convert(lon, lat, "wgs84", "gcj02")


def gcj02_to_wgs84(lon, lat) -> Coords:
    return convert(lon, lat, "gcj02", "wgs84")


def gcj02_to_bd09(lon, lat) -> Coords:
    return convert(lon, lat, "gcj02", "bd09")


def bd09_to_gcj02(lon, lat) -> Coords:
    return convert(lon, lat, "bd09", "gcj02")


def wgs84_to_bd09(lon, lat) -> Coords:
    return convert(lon, lat, "wgs84", "bd09")


def bd09_to_wgs84(lon, lat) -> Coords:
    return convert(lon, lat, "bd09", "wgs84")
