"""basemap.chinacrs (WGS84 ⇄ GCJ-02 ⇄ BD-09) against the independent reference ``prcoords`` (PyPI).

The same points are used by the browser test of the JavaScript twin (tests/test_browser_basemap.py).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import prcoords
import pytest

from basemap import chinacrs

# A grid of points across China (inside the rough bounding box the formulas apply in).
POINTS = [(lon, lat) for lon in np.arange(74.0, 135.1, 2.5).tolist() for lat in np.arange(18.0, 53.6, 2.5).tolist()]
OUTSIDE = [(2.35, 48.85), (-74.0, 40.7), (139.7, 35.7), (100.5, -1.0), (151.2, -33.9)]
FORWARD_TOLERANCE = 1e-9  # degrees: the same closed formulas
INVERSE_TOLERANCE = 1e-7  # degrees (about 1 cm): what the inverse must reach

# datum pair → the reference's forward function (prcoords takes and returns (lat, lon)).
REFERENCE_FORWARD = {
    ("wgs84", "gcj02"): prcoords.wgs_gcj,
    ("gcj02", "bd09"): prcoords.gcj_bd,
    ("wgs84", "bd09"): prcoords.wgs_bd,
}


def reference(pair: tuple[str, str], lon: float, lat: float) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = REFERENCE_FORWARD[pair]((lat, lon))
    return out.lon, out.lat


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlon = (a[0] - b[0]) * math.cos(math.radians(a[1]))
    return math.hypot(dlon, a[1] - b[1]) * 111_195.0


def test_the_grid_of_points_covers_china():
    assert len(POINTS) > 300
    assert all(chinacrs.in_china(lon, lat) for lon, lat in POINTS)


@pytest.mark.parametrize("pair", sorted(REFERENCE_FORWARD))
def test_forward_conversion_matches_the_reference(pair):
    for lon, lat in POINTS:
        ours = chinacrs.convert(lon, lat, *pair)
        theirs = reference(pair, lon, lat)
        assert ours == pytest.approx(theirs, abs=FORWARD_TOLERANCE), (lon, lat)


@pytest.mark.parametrize("pair", sorted(REFERENCE_FORWARD))
def test_inverse_reproduces_the_input_through_the_reference_forward(pair):
    source, target = pair
    worst = 0.0
    for lon, lat in POINTS:
        shifted = reference(pair, lon, lat)
        back = chinacrs.convert(*shifted, target, source)
        assert back == pytest.approx((lon, lat), abs=INVERSE_TOLERANCE), (lon, lat)
        assert reference(pair, *back) == pytest.approx(shifted, abs=INVERSE_TOLERANCE)
        worst = max(worst, metres(back, (lon, lat)))
    assert worst < 0.01  # metres


def test_the_shift_is_of_the_known_size():
    """GCJ-02 moves points by some hundred metres; BD-09 by more (≈ 0.0065°, 0.006° on top)."""
    gcj = [metres(chinacrs.wgs84_to_gcj02(lon, lat), (lon, lat)) for lon, lat in POINTS]
    bd = [metres(chinacrs.wgs84_to_bd09(lon, lat), (lon, lat)) for lon, lat in POINTS]
    assert 50 < min(gcj) and max(gcj) < 1500
    assert 300 < min(bd) and max(bd) < 2500


@pytest.mark.parametrize("point", OUTSIDE)
@pytest.mark.parametrize("pair", sorted(chinacrs.CONVERSIONS))
def test_every_conversion_is_the_identity_outside_china(point, pair):
    assert chinacrs.convert(*point, *pair) == point


def test_arrays_convert_like_single_points():
    lons, lats = np.array([p[0] for p in POINTS[:40]]), np.array([p[1] for p in POINTS[:40]])
    out_lon, out_lat = chinacrs.bd09_to_wgs84(lons, lats)
    singles = [chinacrs.bd09_to_wgs84(lon, lat) for lon, lat in POINTS[:40]]
    assert np.allclose(out_lon, [s[0] for s in singles], atol=1e-9)
    assert np.allclose(out_lat, [s[1] for s in singles], atol=1e-9)


def test_unknown_datum_is_refused():
    with pytest.raises(ValueError, match="datum"):
        chinacrs.convert(114.0, 30.0, "wgs84", "bd09mc")
