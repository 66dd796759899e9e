"""Basemap, datum switch, labels and chinacrs.js in a real headless Chromium (Debian's, via Playwright).

An MBTiles file of pattern tiles (each pixel's colour encodes its web-mercator position) is made in
tmp_path and configured for the live server; the screen then tells which imagery pixel is drawn
where, so the datum shift can be measured on the screen against the reference ``prcoords``.
"""

from __future__ import annotations

import io
import math
import warnings

import prcoords
import pytest
from PIL import Image

from basemap import chinacrs
from geo_governance.config import Basemap
from layers.models import Grid
from tests.browser import ARTIFACTS, BROWSER_MARKS, go_to, log_in, screen_point
from tests.conftest import District, box
from tests.test_basemap import decode_pattern, pattern_mbtiles
from tests.test_chinacrs import INVERSE_TOLERANCE, OUTSIDE, POINTS, REFERENCE_FORWARD, reference

pytestmark = BROWSER_MARKS

CENTRE = (114.075, 30.10)  # inside grid 420102001001001 of the fixture district
ZOOM = 15
LEVEL3_CODE = "4201020010010010101"
KEEP_FOR_PIXELS = ("background", "basemap-raster")


def add_level3_grid(district: District) -> Grid:
    level2 = Grid.objects.create(code="42010200100100101", name="西一第一网格一片", level=2, parent=district.grid11,
                                 division=district.village1, boundary=box(114.06, 30.08, 114.09, 30.12))
    return Grid.objects.create(code=LEVEL3_CODE, name="西一一片一组", level=3, parent=level2,
                               division=district.village1, boundary=box(114.065, 30.09, 114.085, 30.11))


def mercator_px(lon: float, lat: float, z: int) -> tuple[float, float]:
    world = 256 * 2**z
    return ((lon + 180) / 360 * world,
            (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * world)


def patch_at(page, lon: float, lat: float) -> Image.Image:
    """The 3×3 screen pixels around a lon/lat."""
    x, y = screen_point(page, lon, lat)
    shot = page.screenshot(clip={"x": math.floor(x) - 1, "y": math.floor(y) - 1, "width": 3, "height": 3})
    return Image.open(io.BytesIO(shot)).convert("RGB")


def only_basemap_visible(page, visible: bool) -> None:
    page.evaluate("""([keep, visible]) => { const m = window.gridMap;
        for (const l of m.getStyle().layers) if (!keep.includes(l.id))
            m.setLayoutProperty(l.id, 'visibility', visible ? 'visible' : 'none'); }""",
                  [list(KEEP_FOR_PIXELS), visible])


def wait_for_tiles(page) -> None:
    page.wait_for_function("() => window.gridMap.loaded() && window.gridMap.areTilesLoaded()", timeout=20_000)
    page.wait_for_timeout(800)  # raster fade-in


def drawn_positions(page, points) -> list[tuple[int, int] | None]:
    """The imagery pixel (mod 4096) drawn at each lon/lat; None where the pattern is not smooth there
    (a tile seam, where neighbouring tiles' colours blend)."""
    out = []
    for lon, lat in points:
        patch = patch_at(page, lon, lat)
        centre, right, below = patch.getpixel((1, 1)), patch.getpixel((2, 1)), patch.getpixel((1, 2))
        smooth = (right[0] - centre[0] in (0, 1, 2) and below[1] - centre[1] in (0, 1, 2)
                  and centre[2] == right[2] == below[2])
        out.append(decode_pattern(centre) if smooth else None)
    return out


def shift_px(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return tuple(((bv - av + 2048) % 4096) - 2048 for av, bv in zip(a, b, strict=True))


@pytest.fixture
def pattern_basemap(settings, tmp_path):
    path = pattern_mbtiles(tmp_path / "pattern.mbtiles", 114.02, 30.05, 114.13, 30.15, range(12, 16))
    settings.BASEMAP = Basemap("mbtiles", str(path), "wgs84", "")
    return path


def test_basemap_renders_shifts_with_the_datum_and_labels_render(page, live_server, district, pattern_basemap):
    add_level3_grid(district)
    ARTIFACTS.mkdir(exist_ok=True)
    requested = []
    page.on("request", lambda r: requested.append(r.url) if "/basemap/" in r.url else None)
    log_in(page, live_server.url, "town1")
    go_to(page, *CENTRE, ZOOM)
    assert page.locator("#map-basemap").is_visible()
    assert any(u.endswith("/basemap/basemap.json") for u in requested)
    assert any(f"/basemap/{ZOOM}/" in u for u in requested), requested

    # WGS84: the imagery pixel drawn at a point is the point's own web-mercator pixel
    samples = [(CENTRE[0] + dx, CENTRE[1] + dy) for dx in (-0.006, 0.0, 0.005) for dy in (-0.003, 0.0, 0.004)]
    only_basemap_visible(page, False)
    wait_for_tiles(page)
    wgs = drawn_positions(page, samples)
    for (lon, lat), got in zip(samples, wgs, strict=True):
        if got is not None:
            expected = tuple(int(v) % 4096 for v in mercator_px(lon, lat, ZOOM))
            assert max(map(abs, shift_px(expected, got))) <= 1, (lon, lat, got, expected)

    # GCJ-02: the composed tiles show the imagery pixel of the point's GCJ-02 position
    page.select_option("#map-basemap [data-basemap-datum]", "gcj02")
    wait_for_tiles(page)
    gcj = drawn_positions(page, samples)
    compared = 0
    for (lon, lat), before, after in zip(samples, wgs, gcj, strict=True):
        if before is None or after is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shifted = prcoords.wgs_gcj((lat, lon))
        expected = [b - a for a, b in zip(mercator_px(lon, lat, ZOOM), mercator_px(shifted.lon, shifted.lat, ZOOM),
                                          strict=True)]
        got = shift_px(before, after)
        assert abs(expected[0]) > 50  # the shift is large at this zoom: a real change of pixels
        assert got == pytest.approx(expected, abs=2), (lon, lat)
        compared += 1
    assert compared >= 5

    # the choice is remembered
    page.reload()
    page.wait_for_function("() => window.gridMap && window.gridMap.loaded() && window.gridMapContext.basemap")
    assert page.input_value("#map-basemap [data-basemap-datum]") == "gcj02"
    assert page.evaluate("() => window.gridMapContext.basemap.state.datum") == "gcj02"

    # opacity slider
    page.locator("#map-basemap [data-basemap-opacity]").fill("40")
    assert page.evaluate("() => window.gridMap.getPaintProperty('basemap-raster', 'raster-opacity')") == 0.4
    assert page.evaluate("() => window.localStorage.getItem('geogov.basemap.opacity')") == "0.4"
    page.locator("#map-basemap [data-basemap-opacity]").fill("80")

    # labels: the level-3 grid's code, drawn with our own glyphs
    go_to(page, *CENTRE, ZOOM)
    labels = page.evaluate("""() => window.gridMap.queryRenderedFeatures({layers: ['grids-label']})
        .map(f => f.properties.code)""")
    assert LEVEL3_CODE in labels, labels
    assert page.evaluate("() => window.gridMap.getStyle().layers.findIndex(l => l.id === 'basemap-raster')") \
        < page.evaluate("() => window.gridMap.getStyle().layers.findIndex(l => l.id === 'area-outline')")
    page.screenshot(path=str(ARTIFACTS / "map-basemap.png"))
    assert not [u for u in requested if not u.startswith(live_server.url)]
    assert page.errors == []


def test_without_a_basemap_there_is_no_switch_but_labels_still_render(page, live_server, district, settings):
    settings.BASEMAP = Basemap("none")
    add_level3_grid(district)
    log_in(page, live_server.url, "town1")
    go_to(page, *CENTRE, ZOOM)
    assert page.locator("#map-basemap").count() == 0
    assert page.evaluate("() => window.gridMap.getLayer('basemap-raster')") is None
    labels = page.evaluate("() => window.gridMap.queryRenderedFeatures({layers: ['grids-label']}).length")
    assert labels > 0
    assert page.errors == []


def test_division_names_label_the_low_zooms(page, live_server, district, settings):
    settings.BASEMAP = Basemap("none")
    log_in(page, live_server.url, "county")
    go_to(page, 114.2, 30.1, 10)
    names = page.evaluate("""() => window.gridMap.queryRenderedFeatures({layers: ['divisions-label']})
        .map(f => f.properties.name)""")
    assert {"西街道", "东街道"} & set(names), names


def test_chinacrs_js_matches_the_reference(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    results = page.evaluate("""async ([points, outside]) => {
        const m = await import('/static/gridmap/chinacrs.js');
        const all = (p) => ({
            "wgs84>gcj02": m.wgs84ToGcj02(p), "gcj02>bd09": m.gcj02ToBd09(p), "wgs84>bd09": m.wgs84ToBd09(p),
            "gcj02>wgs84": m.gcj02ToWgs84(p), "bd09>gcj02": m.bd09ToGcj02(p), "bd09>wgs84": m.bd09ToWgs84(p) });
        return { inside: points.map(all), outside: outside.map(all) };
    }""", [POINTS, OUTSIDE])
    for (lon, lat), got in zip(POINTS, results["inside"], strict=True):
        for source, target in REFERENCE_FORWARD:
            assert got[f"{source}>{target}"] == pytest.approx(reference((source, target), lon, lat), abs=1e-9)
            back = got[f"{target}>{source}"]  # the inverse applied to the point itself
            assert reference((source, target), *back) == pytest.approx((lon, lat), abs=INVERSE_TOLERANCE)
            assert back == pytest.approx(chinacrs.convert(lon, lat, target, source), abs=1e-9)  # the Python twin
    for point, got in zip(OUTSIDE, results["outside"], strict=True):
        assert all(tuple(v) == point for v in got.values())


# datum → the composed tiles' documented residual (static/gridmap/basemap.js), in pixels
RESIDUAL_PX = {"gcj02": 0.8, "bd09": 1.1}


def test_composed_tiles_stay_within_the_documented_residual(page, live_server):
    """blockOffsets() of basemap.js against the exact offset (reference prcoords) at 81 points per block."""
    tiles = [(z, *(int(v) // 256 for v in mercator_px(lon, lat, z))) for z in (10, 14, 18) for lon, lat in POINTS[::37]]
    world = {z: 256 * 2**z for z in (10, 14, 18)}
    page.goto(f"{live_server.url}/accounts/login/")
    for datum, limit in RESIDUAL_PX.items():
        shift = REFERENCE_FORWARD[("wgs84", datum)]
        blocks = page.evaluate("""async ([datum, tiles]) => {
            const m = await import('/static/gridmap/basemap.js');
            return tiles.map(([z, x, y]) => m.blockOffsets(datum, z, x, y)); }""",
                               [datum, tiles])
        worst = 0.0
        for (z, x, y), offsets in zip(tiles, blocks, strict=True):
            for block in offsets[::7]:
                for i in range(0, 33, 4):
                    for j in range(0, 33, 4):
                        px, py = x * 256 + block["bx"] + i, y * 256 + block["by"] + j
                        p_lon = px / world[z] * 360 - 180
                        p_lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world[z]))))
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            s = shift((p_lat, p_lon))
                        sx, sy = mercator_px(s.lon, s.lat, z)
                        worst = max(worst, math.hypot(sx - px - block["dx"], sy - py - block["dy"]))
        assert 0.3 < worst <= limit, (datum, worst)
