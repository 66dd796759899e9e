"""Take the README's map screenshots from a running demo server (make serve) in headless Chromium.

Usage: .venv/bin/python scripts/readme_screenshots.py [http://127.0.0.1:8000] [map|planning ...]
Logs in as the demo town operator, takes the map with a grid opened, the 大屏 mode, and a live
smoke-detector alarm raised with manage.py simulate_alarm ("map"); as the village operator, the grid
boundary editor after 预览影响 on a dragged shared vertex ("planning": a preview only, nothing is
committed); writes docs/screenshots/*.png.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
LOGIN, PASSWORD = "town", "demo12345"
READY = "() => window.gridMap && window.gridMap.isStyleLoaded() && window.gridMap.areTilesLoaded()"


def settle(page) -> None:
    page.wait_for_function(READY, timeout=30_000)
    page.wait_for_timeout(1500)


def log_in(page, base: str, path: str, login: str = LOGIN) -> None:
    page.goto(f"{base}/accounts/login/?next={path}")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}*")
    settle(page)


def open_first_grid(page) -> None:
    """Open one of the grids on screen in the side panel, through the panel's own API."""
    code = page.evaluate("""() => window.gridMap.queryRenderedFeatures({layers: ['grids-fill']})
        .map((f) => f.properties.code).sort().at(-1)""")
    page.evaluate("(code) => window.gridMapContext.panel.open('grid', code)", code)
    page.wait_for_selector("#map-detail svg", timeout=10_000)
    page.wait_for_timeout(500)


def screen_point(page, lon: float, lat: float) -> tuple[float, float]:
    return tuple(page.evaluate("""([lon, lat]) => { const m = window.gridMap, p = m.project([lon, lat]),
        r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""", [lon, lat]))


# The demo's first community (丹水池社区): grid 5's corner shared with grids 2 and 3, dragged north-west so that
# one building of grid 2 moves into grid 5.
PLAN_GRID, PLAN_AT = "420102010001005", (114.3138, 30.6545)
PLAN_VERTEX, PLAN_TO = (114.313074, 30.656575), (114.312474, 30.656875)
PLAN_VIEW = [[114.3108, 30.6524], [114.3166, 30.6572]]  # grid 5 and the dragged corner


def planning_preview(browser, base: str) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    log_in(page, base, "/map/", "village")
    page.click("#planning-toggle")
    page.evaluate("([lon, lat]) => window.gridMap.jumpTo({center: [lon, lat], zoom: 16.6, pitch: 0, bearing: 0})",
                  PLAN_VERTEX)
    settle(page)
    page.mouse.click(*screen_point(page, *PLAN_AT))
    page.wait_for_function("(c) => window.gridMapContext.planning.state.code === c", arg=PLAN_GRID, timeout=10_000)
    page.click("[data-tool=reshape]")
    page.wait_for_function("() => window.gridMapContext.planning.state.tool === 'reshape'")
    (x0, y0), (x1, y1) = screen_point(page, *PLAN_VERTEX), screen_point(page, *PLAN_TO)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=10)
    page.mouse.up()
    page.click("#planning-preview")
    page.wait_for_selector("#planning-result .gm-planning-report", timeout=30_000)
    page.evaluate("(b) => window.gridMap.fitBounds(b, {padding: 30, animate: false})", PLAN_VIEW)
    settle(page)
    page.screenshot(path=str(OUT / "planning-preview.png"))
    page.close()


def map_shots(browser, base: str) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    log_in(page, base, "/map/")
    page.evaluate("() => window.gridMap.jumpTo({zoom: window.gridMap.getZoom() + 1.6, pitch: 50, bearing: -20})")
    settle(page)
    open_first_grid(page)
    page.screenshot(path=str(OUT / "map.png"))

    screen = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    log_in(screen, base, "/map/?screen=1")
    screen.evaluate("() => window.gridMap.jumpTo({zoom: window.gridMap.getZoom() + 1, pitch: 45})")
    settle(screen)
    subprocess.run([sys.executable, "manage.py", "simulate_alarm"], cwd=ROOT, check=True)
    screen.wait_for_function("() => (window.gridMapLive?.events ?? []).length > 0", timeout=10_000)
    screen.wait_for_timeout(1500)
    screen.screenshot(path=str(OUT / "map-live-alarm.png"))


SHOTS = {"map": map_shots, "planning": planning_preview}


def main(base: str, names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name in names or list(SHOTS):
            SHOTS[name](browser, base)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000", sys.argv[2:])
