"""Shared pieces of the browser tests: Debian's headless Chromium driven by Playwright (no download).

Test modules use the ``page`` fixture (tests/conftest.py) and these helpers; they mark themselves
with ``BROWSER_MARKS`` (transactional database, skipped when Chromium or Playwright is missing).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("GEOGOV_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]

BROWSER_MARKS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is a dev dependency"),
]


def log_in(page, base: str, username: str, path: str = "/map/") -> None:
    page.goto(f"{base}/accounts/login/?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}*")
    # loaded() stays false while something animates (a flashing alarm), so wait for style + tiles instead
    page.wait_for_function("() => window.gridMap && window.gridMap.isStyleLoaded() && window.gridMap.areTilesLoaded()",
                           timeout=20_000)


def rendered_layers(page) -> dict[str, int]:
    return page.evaluate("""() => window.gridMap.queryRenderedFeatures()
        .reduce((n, f) => (n[f.sourceLayer] = (n[f.sourceLayer] || 0) + 1, n), {})""")


def go_to(page, lon: float, lat: float, zoom: float) -> None:
    page.evaluate("([lon, lat, z]) => window.gridMap.jumpTo({center: [lon, lat], zoom: z})", [lon, lat, zoom])
    page.wait_for_function("() => window.gridMap.isStyleLoaded() && window.gridMap.areTilesLoaded()", timeout=20_000)
    page.wait_for_timeout(300)


def screen_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a lon/lat on the map, for mouse clicks."""
    return tuple(page.evaluate("""([lon, lat]) => { const m = window.gridMap, p = m.project([lon, lat]),
        r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""", [lon, lat]))
