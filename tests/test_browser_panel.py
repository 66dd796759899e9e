"""The side panel and the 大屏 mode in a real headless Chromium: grid figures with the age pyramid, divisions,
Back button and reload through the URL hash, keyboard use, the language switch, and the counters strip."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.gis.geos import Point
from django.utils import timezone

from layers.models import Building, GridWorker, Household, Incident, Resident, Sensor, Unit
from tests.browser import ARTIFACTS, BROWSER_MARKS, go_to, log_in, screen_point
from tests.conftest import District, add_household

pytestmark = BROWSER_MARKS

HEADING = "#map-detail h2"


def click_at(page, lon: float, lat: float) -> None:
    x, y = screen_point(page, lon, lat)
    page.mouse.click(x, y)


def wait_heading(page, text: str) -> str:
    page.wait_for_function("""(text) => {
        const h = document.querySelector('#map-detail h2'); return h && h.textContent.includes(text); }""",
                           arg=text, timeout=10_000)
    return page.inner_text(HEADING)


def open_grid_by_click(page, district: District) -> None:
    go_to(page, 114.06, 30.07, 15)  # inside grid 11, away from its buildings
    click_at(page, 114.06, 30.07)
    wait_heading(page, district.grid11.name)


def test_click_a_grid_shows_its_figures_and_age_pyramid(page, live_server, district: District):
    log_in(page, live_server.url, "town1")
    open_grid_by_click(page, district)
    assert page.evaluate("() => location.hash") == f"#grid={district.grid11.code}"
    assert page.evaluate("() => document.activeElement.tagName") == "H2"  # focus moved to the panel
    text = page.inner_text("#map-detail")
    residents = Resident.objects.filter(household__building__grid=district.grid11)
    assert re.search(rf"人数\s+{residents.count()}\b", text), text
    assert re.search(rf"户数\s+{Household.objects.filter(building__grid=district.grid11).count()}\b", text)
    worker = GridWorker.objects.get(grid=district.grid11)
    assert worker.name in text and worker.phone in text
    # the pyramid: ten bands, its bars add up to the residents
    bands = page.eval_on_selector_all("#map-detail svg.gm-pyramid g[data-band]", """gs => gs.map(g =>
        [g.dataset.band, ...[...g.querySelectorAll('text.gm-pyramid-n')].map(t => Number(t.textContent))])""")
    assert len(bands) == 10 and bands[0][0] == "90+" and bands[-1][0] == "0-9"
    assert sum(m + f for _band, m, f in bands) == residents.count()
    widths = page.eval_on_selector_all("#map-detail svg.gm-pyramid rect", "rs => rs.map(r => r.getBBox().width)")
    assert sum(1 for w in widths if w > 0) == sum((m > 0) + (f > 0) for _band, m, f in bands)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-panel-grid.png"))
    assert page.errors == []


def test_back_button_returns_to_the_previous_panel_and_escape_to_the_hint(page, live_server, district: District):
    log_in(page, live_server.url, "town1")
    open_grid_by_click(page, district)
    centre = district.b1.footprint.centroid
    go_to(page, centre.x, centre.y, 17)
    click_at(page, centre.x, centre.y)
    wait_heading(page, "B1")
    assert page.evaluate("() => location.hash") == "#building=B1"

    page.go_back()
    wait_heading(page, district.grid11.name)
    assert page.evaluate("() => location.hash") == f"#grid={district.grid11.code}"
    page.go_forward()
    wait_heading(page, "B1")

    page.keyboard.press("Escape")
    page.wait_for_selector("#map-detail .gm-hint")
    assert page.evaluate("() => location.hash") == ""
    page.go_back()
    wait_heading(page, "B1")
    assert page.errors == []


def test_reload_with_a_hash_opens_it_and_breadcrumb_leads_to_divisions(page, live_server, district: District):
    log_in(page, live_server.url, "town1")
    page.goto(f"{live_server.url}/map/#building=B1")
    wait_heading(page, "B1")
    crumbs = page.eval_on_selector_all("#map-detail nav.gm-breadcrumb a", "as => as.map(a => a.textContent)")
    assert crumbs == [district.town1.name, district.village1.name, district.grid11.name]  # county: not his area

    page.click(f"#map-detail nav.gm-breadcrumb a[href='#division={district.village1.code}']")
    wait_heading(page, district.village1.name)
    assert page.evaluate("() => location.hash") == f"#division={district.village1.code}"
    text = page.inner_text("#map-detail")
    assert re.search(r"网格数\s+2\b", text) and re.search(r"人数\s+5\b", text), text
    page.reload()
    wait_heading(page, district.village1.name)
    assert page.errors == []


def test_click_a_division_where_no_grid_is_drawn(page, live_server, district: District):
    log_in(page, live_server.url, "county")
    go_to(page, 114.30, 30.10, 11)
    page.uncheck("input[data-layer=grids]")
    click_at(page, 114.21, 30.03)  # town 2, outside its village
    wait_heading(page, district.town2.name)
    click_at(page, 114.30, 30.10)  # inside village 2: the deepest division wins
    wait_heading(page, district.village2.name)
    assert page.evaluate("() => location.hash") == f"#division={district.village2.code}"


def test_keyboard_tab_to_a_unit_and_open_it_with_enter(page, live_server, district: District):
    unit2 = Unit.objects.create(building=district.b1, number=2)
    [newcomer] = add_household(district.b1, unit2, "301", "yellow", [("吴八", "M", dt.date(1970, 4, 4), [])])
    log_in(page, live_server.url, "town1")
    page.goto(f"{live_server.url}/map/#building=B1")
    wait_heading(page, "B1")
    page.wait_for_function("() => document.activeElement.tagName === 'H2'")
    assert not page.is_visible(f"text={newcomer.name}")

    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.tagName === 'SUMMARY' "
                         "&& document.activeElement.textContent.startsWith('2 ')"):
            break
    else:
        raise AssertionError("Tab never reached the summary of unit 2")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.parentElement.open") is True
    page.get_by_text(newcomer.name, exact=False).first.wait_for(state="visible")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.parentElement.open") is False


def test_language_switch_keeps_the_panel(page, live_server, district: District):
    log_in(page, live_server.url, "town1")
    page.goto(f"{live_server.url}/map/#grid={district.grid11.code}")
    wait_heading(page, district.grid11.name)
    page.click("form.gm-lang button")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.wait_for_function("() => window.gridMap && window.gridMap.loaded()", timeout=20_000)
    wait_heading(page, district.grid11.code)
    assert page.evaluate("() => location.hash") == f"#grid={district.grid11.code}"
    assert "Log out" in page.inner_text("header")
    page.click("form.gm-lang button")
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")


def add_events(district: District) -> None:
    now = timezone.now()
    for n, (grid, status, deadline) in enumerate([
        (district.grid11, "reported", now - dt.timedelta(hours=3)),
        (district.grid11, "in_progress", now + dt.timedelta(days=2)),
        (district.grid12, "supervised", now - dt.timedelta(days=1)),
        (district.grid21, "dispatched", None),
    ]):
        centre = grid.boundary.centroid
        Incident.objects.create(code=f"SC{n}", title=f"占道经营{n}", category="市容环境", source="hotline",
                                status=status, location=Point(centre.x, centre.y + 0.01 * n, srid=4326), grid=grid,
                                reported_at=now - dt.timedelta(hours=n), deadline=deadline)
    for n, status in enumerate(["online", "online", "alarm", "offline"]):
        Sensor.objects.create(device_id=f"SD{n}", kind="smoke", status=status, grid=district.grid11,
                              location=district.b1.footprint.centroid)


def counters(page) -> dict[str, str]:
    return page.eval_on_selector_all("#screen-counters [data-counter]", """items => Object.fromEntries(
        items.map(i => [i.dataset.counter, i.querySelector('dd').textContent]))""")


def test_screen_mode_shows_recounted_counters(page, live_server, district: District):
    add_events(district)
    page.set_viewport_size({"width": 1920, "height": 1080})
    log_in(page, live_server.url, "town1")
    assert page.is_hidden("#screen-counters")
    page.click("#screen-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('gm-screen')")
    page.wait_for_function("() => document.querySelector('#screen-counters dd').textContent !== '–'")
    now = timezone.now()
    prefix = district.town1.area_prefix()
    incidents = Incident.objects.filter(grid__code__startswith=prefix)
    still_open = [i for i in incidents if i.status in ("reported", "accepted", "dispatched", "in_progress",
                                                       "supervised")]
    expected = {
        "grids": 2, "buildings": Building.objects.filter(grid__code__startswith=prefix).count(),
        "households": Household.objects.filter(building__grid__code__startswith=prefix).count(),
        "residents": Resident.objects.filter(household__building__grid__code__startswith=prefix).count(),
        "grid_workers": GridWorker.objects.filter(grid__code__startswith=prefix).count(),
        "open_incidents": len(still_open),
        "overdue_incidents": sum(i.deadline is not None and i.deadline < now for i in still_open),
        "incidents_today": sum(timezone.localdate(i.reported_at) == timezone.localdate() for i in incidents),
        "sensors_online": 2, "sensors_offline": 1, "sensors_alarm": 1,
    }
    assert counters(page) == {k: str(v) for k, v in expected.items()}
    assert expected["open_incidents"] == 3 and expected["overdue_incidents"] == 2
    assert page.evaluate("() => location.search") == "?screen=1"

    # a live event refreshes the counters at once
    centre = district.grid12.boundary.centroid
    Incident.objects.create(code="SC9", title="新事件", category="市容环境", source="hotline", status="reported",
                            location=Point(centre.x, centre.y, srid=4326), grid=district.grid12, reported_at=now)
    page.evaluate("() => window.dispatchEvent(new CustomEvent('gridmap:live', {detail: {kind: 'incident'}}))")
    page.wait_for_function("(n) => document.querySelector('[data-counter=open_incidents] dd').textContent === n",
                           arg=str(expected["open_incidents"] + 1), timeout=5_000)

    # the panel floats over the map; a grid's figures for the screenshot
    page.evaluate("(b) => window.gridMap.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: 80, duration: 0})",
                  list(district.village1.boundary.extent))
    # (an alarm sensor flashes, so map.loaded() stays false: wait for the tiles only)
    page.wait_for_function("() => window.gridMap.areTilesLoaded()", timeout=20_000)
    page.wait_for_timeout(500)
    page.evaluate(f"() => window.gridMapContext.panel.open('grid', '{district.grid11.code}')")
    wait_heading(page, district.grid11.name)
    assert "SC0" in page.inner_text("#map-detail") and page.locator("#map-detail .gm-badge").count() == 1
    position = page.evaluate("() => getComputedStyle(document.getElementById('map-panel')).position")
    assert position == "absolute"
    map_width = page.evaluate("() => document.getElementById('map').getBoundingClientRect().width")
    assert map_width == 1920
    if page.is_visible("#live-ack"):  # live.js announced SC9: acknowledge it for a clear picture
        page.click("#live-ack")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-screen.png"))

    # leaving the mode hides the strip again; ?screen=1 brings it back on load
    page.click("#screen-toggle")
    assert page.is_hidden("#screen-counters")
    page.goto(f"{live_server.url}/map/?screen=1")
    page.wait_for_function("() => document.querySelector('[data-counter=open_incidents] dd').textContent === '4'")
    assert page.errors == []
