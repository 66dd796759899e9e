"""The map's search box in a real headless Chromium: keyboard only, from "/" to the building in the side panel."""

from __future__ import annotations

from tests.browser import ARTIFACTS, BROWSER_MARKS, log_in
from tests.conftest import District

pytestmark = BROWSER_MARKS

INPUT = "#map-search-input"
OPTIONS = "#map-search-list [role=option]"


def search_for(page, text: str) -> None:
    """Focus the box with "/", replace its text and wait for the answer to that text."""
    page.evaluate("() => document.activeElement.blur()")  # "/" is typed from outside the box
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "map-search-input"
    with page.expect_response(lambda r: "/search/?" in r.url and r.status == 200):
        page.keyboard.type(text)


def map_settled_near(page, lon: float, lat: float, zoom: float) -> None:
    page.wait_for_function("""([lon, lat, zoom]) => { const m = window.gridMap, c = m.getCenter();
        return !m.isMoving() && Math.abs(c.lng - lon) < 1e-3 && Math.abs(c.lat - lat) < 1e-3
            && Math.abs(m.getZoom() - zoom) < 0.01; }""", arg=[lon, lat, zoom], timeout=15_000)


def test_search_a_building_code_and_a_resident_with_the_keyboard(page, live_server, district: District):
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "town1")
    box = page.locator(INPUT)
    panel = page.locator("#map-detail")

    # a building code, lower-case: ArrowDown selects it, Enter flies there and opens the building
    search_for(page, "b1")
    page.locator(OPTIONS).first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator(OPTIONS).first.inner_text().find("B1") >= 0
    page.keyboard.press("ArrowDown")
    first = page.locator(OPTIONS).first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"
    panel.get_by_text("西一路1号").first.wait_for(timeout=10_000)
    centre = district.b1.footprint.point_on_surface
    map_settled_near(page, centre.x, centre.y, 17)

    # a resident's name: the option is masked, picking it opens the resident's building
    resident = next(r for r in district.residents if r.name == "钱五")  # lives in B2
    search_for(page, resident.name)
    option = page.locator(OPTIONS).filter(has_text=resident.name).first
    option.wait_for()
    text = page.locator("#map-search-list").inner_text()
    assert resident.id_number not in text and resident.phone not in text
    page.keyboard.press("ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    panel.get_by_text("B2").first.wait_for(timeout=10_000)
    assert "西一路2号" in panel.inner_text()

    # another town's resident is not found; Escape closes, a second Escape clears
    search_for(page, "孙六")
    page.locator("#map-search-status.gm-search-note").wait_for()
    assert page.locator(OPTIONS).count() == 0 and box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Escape")
    assert box.input_value() == ""

    # several kinds at once, for the screenshot: divisions and grids of town 1, grouped, badges translated
    search_for(page, "西一")
    page.locator(OPTIONS).nth(1).wait_for()
    kinds = page.locator(OPTIONS).evaluate_all("nodes => nodes.map(n => n.dataset.kind)")
    assert kinds == ["division", "grid", "grid"], kinds
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator(OPTIONS).nth(1).get_attribute("aria-selected") == "true"
    page.screenshot(path=str(ARTIFACTS / "map-search.png"))

    # a grid: Enter fits the map to it and opens its figures
    page.keyboard.press("Enter")
    assert page.locator("#map-search-list").is_hidden()
    panel.get_by_text(district.grid11.code).first.wait_for(timeout=10_000)
    page.wait_for_function("() => !window.gridMap.isMoving()", timeout=15_000)
    west, south, east, north = district.grid11.boundary.extent
    lon, lat = page.evaluate("() => window.gridMap.getCenter().toArray()")
    assert west < lon < east and south < lat < north
    # back in the box with "/": the last results again; Escape closes them, a second Escape clears the box
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("/")
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "西一第一网格"
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    assert page.errors == []
