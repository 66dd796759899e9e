"""Live alarms in a real headless Chromium: an alarm raised in the database reaches the open map.

town1 watches /map/; the test raises a smoke alarm at building B1 (the same core function as
`manage.py simulate_alarm`); the page gets it over Server-Sent Events, shows the banner and the
pulsing marker, reloads the incident tiles, and a click (or Enter) on the banner opens B1.
"""

from __future__ import annotations

import pytest

from live import stream
from live.alarms import raise_alarm
from tests.browser import ARTIFACTS, BROWSER_MARKS, go_to, log_in
from tests.conftest import District
from tests.test_live import add_smoke_sensor

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def end_streams():
    """After the browser is gone, end the server side of its stream now, not at the next keep-alive."""
    yield
    stream.close_all()


LIVE_OPEN = "() => window.gridMapLive && window.gridMapLive.state === 'open'"
RECEIVED = "code => window.gridMapLive.events.some(e => e.code === code)"
RENDERED = """code => window.gridMap.queryRenderedFeatures({layers: ['incidents-circle']})
    .some(f => f.properties.code === code)"""


def test_a_raised_alarm_appears_live_and_opens_its_building(page, live_server, district: District, monkeypatch):
    monkeypatch.setattr(stream, "LIMITS", stream.StreamLimits(keepalive_seconds=1, max_seconds=120))
    ARTIFACTS.mkdir(exist_ok=True)
    sensor = add_smoke_sensor(district, "b1")
    log_in(page, live_server.url, "town1")
    page.wait_for_function(LIVE_OPEN, timeout=10_000)
    centre = district.b1.footprint.centroid
    go_to(page, centre.x + 0.002, centre.y + 0.001, 16)
    page.evaluate("""() => { window.liveDetails = [];
        addEventListener('gridmap:live', e => liveDetails.push(e.detail)); }""")

    incident = raise_alarm(sensor)
    page.wait_for_function(RECEIVED, arg=incident.code, timeout=5_000)
    banner = page.locator("#live-banner")
    assert banner.is_visible()
    item = banner.locator(".gm-live-item[data-kind=incident]")
    assert "B1" in item.inner_text() and district.grid11.code in item.inner_text()
    assert page.evaluate("() => liveDetails.map(d => d.kind)") == ["sensor", "incident"]
    assert page.evaluate("() => window.gridMapLive.beeps") == 2
    # the incident tiles catch up without a reload; the detector in alarm flashes
    page.wait_for_function(RENDERED, arg=incident.code, timeout=10_000)
    page.wait_for_function("() => window.gridMapLive.flashing === true", timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "map-live-alarm.png"))

    item.focus()  # keyboard: the banner entry is a button
    page.keyboard.press("Enter")
    page.locator("#map-detail").get_by_text("西一路1号").wait_for(timeout=10_000)
    assert page.evaluate("() => window.gridMap.getZoom()") >= 16

    # muted: the next alarm is announced without sound
    page.click("#live-sound")
    assert page.get_attribute("#live-sound", "aria-pressed") == "false"
    second = raise_alarm(add_smoke_sensor(district, "b2"))
    page.wait_for_function(RECEIVED, arg=second.code, timeout=5_000)
    assert page.evaluate("() => window.gridMapLive.beeps") == 2
    page.click(f".gm-live-item[data-code='{second.code}']")  # a mouse click opens its building
    page.locator("#map-detail").get_by_text("西一路2号").wait_for(timeout=10_000)
    page.click("#live-ack")
    assert banner.is_hidden()
    assert page.errors == []


def test_another_towns_alarm_does_not_reach_the_page(page, live_server, district: District, monkeypatch):
    monkeypatch.setattr(stream, "LIMITS", stream.StreamLimits(keepalive_seconds=1, max_seconds=120))
    log_in(page, live_server.url, "town2")
    page.wait_for_function(LIVE_OPEN, timeout=10_000)
    raise_alarm(add_smoke_sensor(district, "b1"))  # town 1
    own = raise_alarm(add_smoke_sensor(district, "b3"))  # town 2, committed after
    page.wait_for_function(RECEIVED, arg=own.code, timeout=5_000)
    assert {e["building"] for e in page.evaluate("() => window.gridMapLive.events")} == {"B3"}
