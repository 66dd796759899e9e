"""The map in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser download).

Logs in, sees grid and building features rendered from our tiles, clicks a building and reads its
units, households and masked residents in the side panel, and toggles the incident layer.
"""

from __future__ import annotations

from tests.browser import ARTIFACTS, BROWSER_MARKS, go_to, log_in, rendered_layers, screen_point
from tests.conftest import District

pytestmark = BROWSER_MARKS


def test_map_renders_tiles_and_drills_down_into_a_building(page, live_server, district: District):
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "town1")
    centre = district.b1.footprint.centroid
    go_to(page, centre.x, centre.y, 17)
    layers = rendered_layers(page)
    assert layers.get("grids", 0) > 0 and layers.get("buildings", 0) > 0, layers

    # click the middle of building B1 on the screen
    x, y = screen_point(page, centre.x, centre.y)
    page.mouse.click(x, y)
    panel = page.locator("#map-detail")
    panel.get_by_text("B1").first.wait_for(timeout=10_000)
    text = panel.inner_text()
    resident = district.residents[0]
    assert "西一路1号" in text and resident.name in text
    assert resident.id_number not in text and resident.id_number[-4:] in text  # masked, last four shown
    page.screenshot(path=str(ARTIFACTS / "map-building.png"))

    # toggling the incident layer hides it
    page.uncheck("input[data-layer=incidents]")
    assert page.evaluate("() => window.gridMap.getLayoutProperty('incidents-circle', 'visibility')") == "none"
    assert page.errors == []


def test_another_towns_buildings_are_not_rendered(page, live_server, district: District):
    log_in(page, live_server.url, "town1")
    other = district.b3.footprint.centroid  # B3 lies in town 2
    go_to(page, other.x, other.y, 17)
    assert rendered_layers(page).get("buildings", 0) == 0
