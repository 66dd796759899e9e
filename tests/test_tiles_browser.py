"""The map draws incident clusters below z14 and points from z14, and cameras apart from the detectors.

Headless Chromium (Debian's, via Playwright): the style's layers render real tiles, and the
``incidents`` and ``cameras`` checkboxes switch exactly their own layers.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils import timezone

from geo_governance.config import Basemap
from layers.models import Incident, Sensor
from tests.browser import BROWSER_MARKS, go_to, log_in
from tests.conftest import District

pytestmark = BROWSER_MARKS

RENDERED = "ids => window.gridMap.queryRenderedFeatures({layers: ids}).map(f => f.layer.id)"
VISIBILITY = "id => window.gridMap.getLayoutProperty(id, 'visibility') ?? 'visible'"


def rendered(page, *layer_ids: str) -> dict[str, int]:
    ids = page.evaluate(RENDERED, list(layer_ids))
    return {layer_id: ids.count(layer_id) for layer_id in layer_ids}


def test_clusters_points_sensors_and_cameras(page, live_server, district: District):
    lon, lat = 114.0712, 30.1012  # inside B1's grid, beside B1
    for i, status in enumerate(("reported", "resolved", "accepted")):
        Incident.objects.create(code=f"E{i}", title="t", category="c", source="web", status=status,
                                location=Point(lon + i * 0.0002, lat, srid=4326), grid=district.grid11,
                                reported_at=timezone.now())
    for device_id, kind, status, dx in (("SMOKE-1", "smoke", "alarm", 0.0), ("CAM-1", "camera", "online", 0.0004)):
        Sensor.objects.create(device_id=device_id, kind=kind, status=status, grid=district.grid11,
                              location=Point(lon + dx, lat + 0.0004, srid=4326))
    log_in(page, live_server.url, "town1")

    go_to(page, lon, lat, 11)
    assert rendered(page, "incidents-cluster", "incidents-circle") == {"incidents-cluster": 1, "incidents-circle": 0}
    go_to(page, lon, lat, 17)
    assert rendered(page, "incidents-cluster", "incidents-circle") == {"incidents-cluster": 0, "incidents-circle": 3}
    assert rendered(page, "sensors-circle", "cameras-circle") == {"sensors-circle": 1, "cameras-circle": 1}

    page.uncheck("input[data-layer=cameras]")
    assert page.evaluate(VISIBILITY, "cameras-circle") == "none"
    assert page.evaluate(VISIBILITY, "sensors-circle") == "visible"
    page.uncheck("input[data-layer=incidents]")
    assert [page.evaluate(VISIBILITY, i) for i in ("incidents-cluster", "incidents-circle")] == ["none", "none"]
    page.check("input[data-layer=cameras]")
    assert page.evaluate(VISIBILITY, "cameras-circle") == "visible"
    assert page.errors == []


LABELLED = "id => window.gridMap.queryRenderedFeatures({layers: [id]}).map(f => f.properties.code)"


def test_a_big_grid_is_labelled_once_on_screen(page, live_server, district: District, settings):
    settings.BASEMAP = Basemap("none")
    log_in(page, live_server.url, "town1")
    go_to(page, 114.075, 30.10, 13.5)  # grid 11 (0.05° × 0.1°) lies in several z13 tiles
    tiles = page.evaluate("""() => window.gridMap.queryRenderedFeatures({layers: ['grids-fill']})
        .filter(f => f.properties.code === '420102001001001').length""")
    assert tiles > 1  # its polygon comes in pieces ...
    codes = page.evaluate(LABELLED, "grids-label")
    assert codes.count("420102001001001") == 1, codes  # ... its name once
    assert not [code for code in codes if not code.startswith("420102001")]  # nothing of town 2
    go_to(page, 114.2, 30.1, 10)
    codes = page.evaluate(LABELLED, "divisions-label")
    assert sorted(codes) == sorted(set(codes)) and "420102001000" in codes, codes
    assert page.errors == []
