"""The map in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser download).

Logs in, sees grid and building features rendered from our tiles, clicks a building and reads its
units, households and masked residents in the side panel, and toggles the incident layer.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, District

CHROMIUM = os.environ.get("GEOGOV_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def page(live_server):
    # Playwright's sync API runs an event loop; Django must allow ORM calls from this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        browser.close()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/map/")
    page.wait_for_function("() => window.gridMap && window.gridMap.loaded()", timeout=20_000)


def rendered_layers(page) -> dict[str, int]:
    return page.evaluate("""() => window.gridMap.queryRenderedFeatures()
        .reduce((n, f) => (n[f.sourceLayer] = (n[f.sourceLayer] || 0) + 1, n), {})""")


def go_to(page, lon: float, lat: float, zoom: float) -> None:
    page.evaluate("([lon, lat, z]) => window.gridMap.jumpTo({center: [lon, lat], zoom: z})", [lon, lat, zoom])
    page.wait_for_function("() => window.gridMap.loaded() && window.gridMap.areTilesLoaded()", timeout=20_000)
    page.wait_for_timeout(300)


def test_map_renders_tiles_and_drills_down_into_a_building(page, live_server, district: District):
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "town1")
    centre = district.b1.footprint.centroid
    go_to(page, centre.x, centre.y, 17)
    layers = rendered_layers(page)
    assert layers.get("grids", 0) > 0 and layers.get("buildings", 0) > 0, layers

    # click the middle of building B1 on the screen
    x, y = page.evaluate("""([lon, lat]) => { const m = window.gridMap, p = m.project([lon, lat]),
        r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
                         [centre.x, centre.y])
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
