"""The grid boundary editor on /map/ in a real headless Chromium: a village operator drags the shared edge of the
fixture village's two grids with the mouse, previews the impact (B2 moves), commits with a reason and finds the
household reassigned; splits a grid with a drawn line; merges two grids; commits an automatic partition (自动划分);
a second browser editing the same grid from the old revision gets the conflict message; viewers and grid workers
get no editor."""

from __future__ import annotations

import datetime as dt

import pytest

from layers.models import Building, Grid, Household, Resident
from planning.models import GridRevision, SizeRule
from tests.browser import ARTIFACTS, BROWSER_MARKS, go_to, log_in, screen_point
from tests.conftest import District, box, make_id_number

pytestmark = BROWSER_MARKS

GRID11, GRID12 = "420102001001001", "420102001001002"
CORNER = (114.10, 30.15)  # north end of the edge grid 11 shares with grid 12 (and a corner on the village edge)
MOVED_CORNER = (114.104, 30.15)  # the shared edge then runs east of B2 (114.0998–114.1008 at 30.100)


def open_editor(page, lon: float = 114.06, lat: float = 30.07) -> None:
    """Open the 规划 panel and pick the grid under (lon, lat) with a map click."""
    assert page.is_hidden("#planning-body") and page.is_visible("#planning-toggle")
    page.click("#planning-toggle")
    page.wait_for_selector("#planning-body:not([hidden])")
    go_to(page, lon, lat, 13)
    x, y = screen_point(page, lon, lat)
    page.mouse.click(x, y)
    page.wait_for_function("() => window.gridMapContext.planning.state.code !== null "
                           "&& !document.querySelector('[data-tool=reshape]').disabled", timeout=10_000)


def choose(page, tool: str) -> None:
    page.click(f"[data-tool={tool}]")
    page.wait_for_function("(t) => window.gridMapContext.planning.state.tool === t", arg=tool)


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    x0, y0 = screen_point(page, *start)
    x1, y1 = screen_point(page, *end)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()


def reshape_corner(page) -> None:
    choose(page, "reshape")
    go_to(page, 114.10, 30.14, 14)
    drag(page, CORNER, MOVED_CORNER)
    page.wait_for_function("""() => { const op = window.gridMapContext.planning.operation();
        return op && op.params.geometry.coordinates.flat(2).some(([x, y]) => Math.abs(x - 114.104) < 2e-4); }""")


def draw_split_line(page, points: list[tuple[float, float]]) -> None:
    """Click the points of a line (the last one twice, to finish it) and wait for the split to be drafted."""
    for n, point in enumerate([*points, points[-1]]):
        if n:
            page.wait_for_timeout(700)  # not a double click
        page.mouse.click(*screen_point(page, *point))
    page.wait_for_function("() => window.gridMapContext.planning.operation()?.op === 'split'")


def preview(page) -> dict:
    page.click("#planning-preview")
    page.wait_for_selector("#planning-result .gm-planning-report", timeout=20_000)
    return page.evaluate("() => window.gridMapContext.planning.lastPreview")


def commit(page, reason: str) -> None:
    page.fill("#planning-reason", reason)
    page.click("#planning-commit button[type=submit]")
    page.wait_for_function("() => document.querySelector('#planning-message').dataset.kind === 'ok'", timeout=20_000)


def move_row(page, source: str, target: str) -> list[str]:
    selector = f"#planning-result table.gm-planning-moves tr[data-from='{source}'][data-to='{target}'] td"
    return page.eval_on_selector_all(selector, "tds => tds.map(td => td.textContent)")


def test_village_operator_reshapes_the_shared_edge_previews_and_commits(page, live_server, district: District):
    assert district.b2.grid == district.grid12
    log_in(page, live_server.url, "village1")
    open_editor(page)
    reshape_corner(page)

    # our own undo/redo: Ctrl+Z puts the corner back, Ctrl+Y moves it again
    vertices = "() => window.gridMapContext.planning.operation().params.geometry.coordinates.flat(2).map(p => p[0])"
    page.locator("#map canvas").first.focus()
    page.keyboard.press("Control+z")
    page.wait_for_function(f"() => !({vertices})().some(x => Math.abs(x - 114.104) < 2e-4)")
    page.click("#planning-redo")
    page.wait_for_function(f"() => ({vertices})().some(x => Math.abs(x - 114.104) < 2e-4)")

    report = preview(page)
    assert report["committable"] is True
    moved = report["impact"]["moved_buildings"]["features"]
    assert [(f["properties"]["code"], f["properties"]["from"], f["properties"]["to"]) for f in moved] == [
        ("B2", GRID12, GRID11)]
    row = move_row(page, GRID12, GRID11)
    assert row[:4] == [GRID12, GRID11, "1", "1"], row  # from, to, buildings, households
    grids = page.eval_on_selector_all("#planning-result table.gm-planning-grids tr[data-code]",
                                      "rs => rs.map(r => r.dataset.code)")
    assert set(grids) >= {GRID11, GRID12}  # the neighbour's new edge is part of the draft too
    draft = {f["properties"]["code"]: f["properties"]["status"] for f in report["draft"]["features"]}
    assert draft[GRID11] == "changed" and draft[GRID12] == "changed"
    moves_on_map = page.evaluate("async () => (await window.gridMap.getSource('planning-moves').getData()).features")
    assert [f["properties"]["to"] for f in moves_on_map] == [GRID11]
    assert Building.objects.get(code="B2").grid_id == district.grid12.pk  # a preview changes nothing

    page.set_viewport_size({"width": 1600, "height": 900})
    go_to(page, 114.10, 30.10, 11.9)  # the whole village
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planning-preview.png"))

    page.fill("#planning-reason", " ")
    page.click("#planning-commit button[type=submit]")
    assert page.inner_text("#planning-message") == "请填写变更原因"
    commit(page, "B2 划入第一网格，便于网格员走访")
    household = Household.objects.get(building__code="B2")
    assert household.building.grid.code == GRID11
    grid11 = Grid.objects.get(code=GRID11)
    assert grid11.households == 3 and grid11.revision == district.grid11.revision + 1
    assert GridRevision.objects.filter(code=GRID11, reason="B2 划入第一网格，便于网格员走访").exists()
    # the editor reloads the grid at its new revision
    page.wait_for_function(f"() => document.querySelector('#planning-target').textContent.includes('{GRID11}')")
    assert f"版本 {grid11.revision}" in page.inner_text("#planning-target")
    assert page.errors == []


def test_split_a_grid_with_a_drawn_line(page, live_server, district: District):
    log_in(page, live_server.url, "village1")
    open_editor(page)
    choose(page, "split")
    go_to(page, 114.075, 30.12, 12)
    draw_split_line(page, [(114.04, 30.12), (114.11, 30.12)])
    report = preview(page)
    assert report["committable"] is True
    statuses = sorted(f["properties"]["status"] for f in report["draft"]["features"])
    assert statuses.count("new") == 1 and "changed" in statuses
    commit(page, "按道路拆分第一网格")
    codes = sorted(Grid.objects.filter(division=district.village1).values_list("code", flat=True))
    assert codes == [GRID11, GRID12, "420102001001003"]
    north = Grid.objects.get(code="420102001001003")
    assert north.boundary.extent[1] == pytest.approx(30.12, abs=1e-6)  # the north piece (the smaller) is new
    assert Building.objects.get(code="B1").grid.code == GRID11
    assert page.errors == []


def test_merge_two_grids(page, live_server, district: District):
    log_in(page, live_server.url, "village1")
    open_editor(page)
    choose(page, "merge")
    go_to(page, 114.10, 30.07, 12)
    page.mouse.click(*screen_point(page, 114.13, 30.07))  # grid 12
    page.wait_for_function("() => window.gridMapContext.planning.state.extra.codes?.length === 2")
    report = preview(page)
    assert {f["properties"]["code"]: f["properties"]["status"] for f in report["draft"]["features"]}[GRID12] \
        == "retired"
    commit(page, "两网格合并")
    assert list(Grid.objects.filter(division=district.village1).values_list("code", flat=True)) == [GRID11]
    assert Building.objects.get(code="B2").grid.code == GRID11
    assert Grid.objects.get(code=GRID11).households == 3
    assert page.errors == []


def test_a_second_editor_on_the_old_revision_gets_the_conflict_message(page, live_server, district: District):
    log_in(page, live_server.url, "village1")
    open_editor(page)
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    second = other.new_page()
    log_in(second, live_server.url, "town1")
    open_editor(second)

    reshape_corner(page)
    preview(page)
    commit(page, "第一位编辑先提交")
    revision = Grid.objects.get(code=GRID11).revision

    reshape_corner_to(second, (114.095, 30.15))
    second.fill("#planning-reason", "第二位编辑基于旧版本")
    second.click("#planning-commit button[type=submit]")
    second.wait_for_function("() => document.querySelector('#planning-message').dataset.kind === 'conflict'")
    assert "该网格已被他人修改" in second.inner_text("#planning-message")
    assert Grid.objects.get(code=GRID11).revision == revision  # nothing written
    # the second editor now shows the committed boundary (the first editor's corner) at its new revision
    xs = second.evaluate("() => window.gridMapContext.planning.operation().params.geometry.coordinates.flat(2)"
                         ".map(p => p[0])")
    assert any(abs(x - 114.104) < 1e-6 for x in xs) and not any(abs(x - 114.095) < 1e-6 for x in xs)
    # and edits on from there: its next commit is based on the new revision
    second.wait_for_function("() => window.gridMapContext.planning.state.tool === 'reshape'")
    drag(second, MOVED_CORNER, (114.095, 30.15))
    second.wait_for_function("""() => window.gridMapContext.planning.operation().params.geometry.coordinates
        .flat(2).some(p => Math.abs(p[0] - 114.095) < 2e-4)""")
    preview(second)
    commit(second, "第二位编辑在新版本上调整")
    assert Grid.objects.get(code=GRID11).revision == revision + 1
    assert Building.objects.get(code="B2").grid.code == GRID12
    assert page.errors == []
    other.close()


def reshape_corner_to(page, target: tuple[float, float]) -> None:
    """Reshape with the commit form shown without a preview: the form is part of the page, only hidden."""
    choose(page, "reshape")
    go_to(page, 114.10, 30.14, 14)
    drag(page, CORNER, target)
    page.wait_for_function("""(x) => window.gridMapContext.planning.operation()?.params.geometry.coordinates
        .flat(2).some(p => Math.abs(p[0] - x) < 2e-4)""", arg=target[0])
    preview(page)


@pytest.mark.parametrize("username", ["viewer1", "worker11"])
def test_no_editor_for_roles_that_may_not_plan(page, live_server, district: District, username):
    log_in(page, live_server.url, username)
    assert page.locator("#map-planning").count() == 0
    assert page.locator("#planning-toggle").count() == 0
    assert page.evaluate("() => window.gridMapContext.planning === undefined")
    assert page.errors == []



def test_rollback_shows_the_diff_and_restores_the_old_boundary(page, live_server, district: District):
    moved = [[[114.05, 30.05], [114.10, 30.05], [*MOVED_CORNER], [114.05, 30.15], [114.05, 30.05]]]
    response = district.client("village1").post("/api/planning/commit/", {
        "op": "reshape", "params": {"code": GRID11, "geometry": {"type": "MultiPolygon", "coordinates": [moved]}},
        "revisions": {GRID11: district.grid11.revision, GRID12: district.grid12.revision}, "reason": "先调整"},
        format="json")
    assert response.status_code == 201, response.content
    assert Building.objects.get(code="B2").grid.code == GRID11
    baseline = district.grid11.revision

    log_in(page, live_server.url, "village1")
    open_editor(page)
    choose(page, "rollback")
    page.wait_for_selector(f".gm-planning-history tr[data-revision='{baseline}'] button:not([disabled])")
    assert page.locator(f".gm-planning-history tr[data-revision='{baseline + 1}'] button").is_disabled()  # current
    page.click(f".gm-planning-history tr[data-revision='{baseline}'] button")
    page.wait_for_selector(".gm-planning-diff")
    diff = page.evaluate("async () => (await window.gridMap.getSource('planning-diff').getData()).features"
                         ".map(f => f.properties.kind)")
    assert diff == ["removed"]  # rolling back gives the wedge east of the old edge back to grid 12
    assert "减少范围" in page.inner_text(".gm-planning-diff")
    report = preview(page)
    assert [(m["from"], m["to"], m["buildings"]) for m in report["impact"]["moves"]] == [(GRID11, GRID12, 1)]
    commit(page, "恢复原边界")
    assert Building.objects.get(code="B2").grid.code == GRID12
    assert Grid.objects.get(code=GRID11).boundary.sym_difference(district.grid11.boundary).area < 1e-12
    assert page.errors == []


def test_create_a_grid_with_vertices_snapped_to_a_building(page, live_server, district: District):
    log_in(page, live_server.url, "village1")
    open_editor(page)
    choose(page, "create")
    go_to(page, 114.0725, 30.1025, 15)
    corner = screen_point(page, 114.070, 30.100)  # B1's south-west corner
    points = [(corner[0] + 3, corner[1] - 3), screen_point(page, 114.075, 30.100), screen_point(page, 114.075, 30.105),
              screen_point(page, 114.070, 30.105), (corner[0] + 3, corner[1] - 3)]
    for point in points:
        page.mouse.click(*point)
        page.wait_for_timeout(700)
    page.wait_for_function("() => window.gridMapContext.planning.operation()?.op === 'create'")
    ring = page.evaluate("() => window.gridMapContext.planning.operation().params.geometry.coordinates[0][0]")
    assert [114.07, 30.1] in ring  # snapped exactly onto the footprint vertex, 3 px away from the clicks
    report = preview(page)
    assert [(m["from"], m["buildings"]) for m in report["impact"]["moves"]] == [(GRID11, 1)]
    commit(page, "新建楼院网格")
    created = Grid.objects.get(code="420102001001003")
    assert Building.objects.get(code="B1").grid == created
    assert page.errors == []



def test_a_line_that_does_not_cut_the_grid_is_refused_with_the_servers_message(page, live_server, district: District):
    log_in(page, live_server.url, "village1")
    open_editor(page)
    choose(page, "split")
    go_to(page, 114.07, 30.12, 13)
    draw_split_line(page, [(114.06, 30.12), (114.08, 30.12)])
    page.click("#planning-preview")
    page.wait_for_function("() => document.querySelector('#planning-message').dataset.kind === 'error'",
                           timeout=20_000)
    message = page.inner_text("#planning-message")
    assert message and "请求失败" not in message, message  # the server's own 400 message, not a generic failure
    assert page.is_hidden("#planning-commit")
    assert page.evaluate("() => window.gridMapContext.planning.lastPreview") is None
    assert Grid.objects.filter(division=district.village1).count() == 2
    assert page.errors == []



def test_reshape_adds_a_vertex_from_a_midpoint_and_undo_takes_it_back(page, live_server, district: District):
    ring = "() => window.gridMapContext.planning.operation().params.geometry.coordinates[0][0]"
    log_in(page, live_server.url, "village1")
    open_editor(page)
    choose(page, "reshape")
    page.uncheck("#planning-snap")
    go_to(page, 114.05, 30.10, 12.5)
    assert len(page.evaluate(ring)) == 5
    drag(page, (114.05, 30.10), (114.045, 30.10))  # the west edge's midpoint pulled out: a new vertex
    page.wait_for_function(f"() => ({ring})().length === 6")
    assert [114.045, 30.1] in [[round(x, 4), round(y, 4)] for x, y in page.evaluate(ring)]
    for _ in range(3):  # the midpoint's insertion and its drag may be one or two steps
        page.click("#planning-undo")
        if len(page.evaluate(ring)) == 5:
            break
    assert len(page.evaluate(ring)) == 5 and page.evaluate("() => window.gridMapContext.planning.state.tool") \
        == "reshape"
    page.click("#planning-redo")
    page.wait_for_function(f"() => ({ring})().length === 6")
    assert page.errors == []


RULE = {"min_households": 20, "max_households": 60, "min_residents": 40, "max_residents": 200}


def crowd_village(district: District) -> None:
    """30 houses of 4 households / 10 residents spread over village 1 (with its rule 20–60 households)."""
    SizeRule.objects.create(division=district.village1, **RULE)
    Building.objects.bulk_create([
        Building(code=f"P{i:02d}", village=district.village1,
                 footprint=box(114.06 + (i % 6) * 0.012, 30.06 + (i // 6) * 0.015,
                               114.0602 + (i % 6) * 0.012, 30.0602 + (i // 6) * 0.015)) for i in range(30)])
    Building.objects.assign_grids()
    for i, building in enumerate(Building.objects.filter(code__startswith="P").order_by("code")):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=i)
        for room in range(4):
            household = Household.objects.create(code=f"{building.code}-{room}", building=building, floor=1,
                                                 room=f"1{room:02d}")
            Resident.objects.bulk_create([
                Resident(household=household, name="测试", sex="F", birth_date=born,
                         id_number=make_id_number("420102", born, room * 4 + j)) for j in range(2 + room % 2)])
    Grid.objects.refresh_figures()


def test_automatic_partition_is_drawn_with_its_figures_previewed_and_committed(page, live_server,
                                                                                district: District):
    crowd_village(district)
    log_in(page, live_server.url, "village1")
    open_editor(page)
    page.click("#planning-auto")
    page.wait_for_selector("#planning-extra .gm-planning-quality", timeout=30_000)
    assert page.evaluate("() => window.gridMapContext.planning.state.tool") == "replace"
    proposal = page.evaluate("() => window.gridMapContext.planning.state.extra.proposal")
    q = proposal["quality"]
    assert q["grids"] == len(proposal["params"]["grids"]) >= 3  # 123 households, at most 60 a grid
    assert q["within_bounds_share"] == 1.0 and q["contiguous"] is True

    shown = dict(zip(page.eval_on_selector_all(".gm-planning-quality dt", "ds => ds.map(d => d.textContent)"),
                     page.eval_on_selector_all(".gm-planning-quality dd", "ds => ds.map(d => d.textContent)"),
                     strict=True))
    assert shown["网格数"] == str(q["grids"])
    assert shown["符合规模比例"] == "100%"
    assert shown["紧凑度（平均 / 最小）"] == f"{q['polsby_popper_mean']:.2f} / {q['polsby_popper_min']:.2f}"
    assert shown["户数（最少 – 最多）"] == f"{q['households_min']} – {q['households_max']}"
    drawn = page.evaluate("async () => (await window.gridMap.getSource('planning-draft').getData()).features")
    assert len(drawn) == q["grids"]  # the proposal on the map as a draft before any preview

    report = preview(page)
    assert report["committable"] is True, report["checks"]
    statuses = [f["properties"]["status"] for f in report["draft"]["features"]]
    assert len([s for s in statuses if s != "retired"]) == q["grids"]
    assert Grid.objects.filter(division=district.village1).count() == 2  # a preview changes nothing

    commit(page, "按规模自动划分网格")
    grids = {g.code: g for g in Grid.objects.filter(division=district.village1)}
    assert len(grids) == q["grids"]
    assert not Grid.objects.filter(parent__in=grids.values()).exists()  # all leaves
    for building in Building.objects.filter(village=district.village1):
        footprint = building.footprint
        shares = {code: g.boundary.intersection(footprint).area / footprint.area for code, g in grids.items()}
        assert building.grid_id is not None and building.grid.code in grids, building.code
        assert shares[building.grid.code] > 0.5, (building.code, shares)  # the larger share: exactly one grid
    union = district.village1.boundary.difference(district.village1.boundary)
    for g in grids.values():
        union = union.union(g.boundary)
    assert abs(union.area - district.village1.boundary.area) < 1e-9  # the village still fully covered
    households = []
    for grid in Grid.objects.filter(division=district.village1):
        recount = (Household.objects.filter(building__grid=grid).count(),
                   Resident.objects.filter(household__building__grid=grid).count())
        assert (grid.households, grid.residents) == recount, grid.code
        assert RULE["min_households"] <= grid.households <= RULE["max_households"], grid.code
        households.append(grid.households)
    assert (min(households), max(households)) == (q["households_min"], q["households_max"])
    assert page.evaluate("() => window.gridMapContext.planning.state.code") in {
        g.code for g in Grid.objects.filter(division=district.village1)}
    assert page.errors == []


def test_reshape_deletes_a_vertex_with_a_right_click(page, live_server, district: District):
    ring = "() => window.gridMapContext.planning.operation().params.geometry.coordinates[0][0]"
    log_in(page, live_server.url, "village1")
    open_editor(page)
    choose(page, "reshape")
    go_to(page, 114.06, 30.14, 13)
    assert len(page.evaluate(ring)) == 5
    depth = page.evaluate("() => window.gridMapContext.planning.state.depth")
    # a real right button press and release on the vertex (terra-draw's select mode deletes on pointerup with
    # button 2; the contextmenu event only marks the next pointerup)
    page.mouse.click(*screen_point(page, 114.05, 30.15), button="right")  # the north-west corner
    page.wait_for_function(f"() => ({ring})().length === 4", timeout=5_000)
    assert [114.05, 30.15] not in page.evaluate(ring)
    assert page.evaluate("() => window.gridMapContext.planning.state.depth") == depth + 1  # on our undo stack
    page.click("#planning-undo")
    page.wait_for_function(f"() => ({ring})().length === 5")
    assert page.errors == []
