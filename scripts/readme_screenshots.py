"""Take the README's map screenshots from a running demo server (make serve) in headless Chromium.

Usage: .venv/bin/python scripts/readme_screenshots.py [http://127.0.0.1:8000]
Logs in as the demo town operator, takes the map with a grid opened, the 大屏 mode, and a live
smoke-detector alarm raised with manage.py simulate_alarm; writes docs/screenshots/*.png.
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


def log_in(page, base: str, path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={path}")
    page.fill("input[name=username]", LOGIN)
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


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
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
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
