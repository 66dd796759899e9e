"""Planning service on the real PostGIS: apply, preview (nothing saved), commit, history rows, bins."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from shapely.geometry import box, mapping

from geo_governance.errors import BadInput, Conflict
from layers.models import Building, Grid, GridWorker, Household, Incident, IncidentBin, Profile, Resident, Role, Sensor
from planning import service
from planning.models import GridRevision, PlanChange, SizeRule
from planning.rules import Bounds, bounds_for
from tests.conftest import add_user
from tests.conftest import box as conftest_box

G1, G2 = "420102001001001", "420102001001002"
VILLAGE = "420102001001"


def geo(minx, miny, maxx, maxy) -> dict:
    return mapping(box(minx, miny, maxx, maxy))


def run(user, op: str, params: dict, reason: str = "测试调整") -> dict:
    draft = service.draft(op, params, user)
    revisions = {code: grid.revision for code, grid in draft.context.grids.items()}
    return service.commit(draft, user, reason, revisions)


def recount(code: str) -> tuple[int, int]:
    households = Household.objects.filter(building__grid__code=code).count()
    residents = Resident.objects.filter(household__building__grid__code=code).count()
    return households, residents


def figures(code: str) -> tuple[int, int]:
    return tuple(Grid.objects.filter(code=code).values_list("households", "residents").get())


def bins_consistent() -> bool:
    """layers_incident_bin equals a fresh aggregate of layers_incident."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM (
              (SELECT grid_id, status, cell_x, cell_y, count FROM layers_incident_bin
               EXCEPT
               SELECT grid_id, status, geogov_incident_cell_x(location_3857), geogov_incident_cell_y(location_3857),
                      count(*)::int FROM layers_incident GROUP BY 1, 2, 3, 4)
              UNION ALL
              (SELECT grid_id, status, geogov_incident_cell_x(location_3857), geogov_incident_cell_y(location_3857),
                      count(*)::int FROM layers_incident GROUP BY 1, 2, 3, 4
               EXCEPT
               SELECT grid_id, status, cell_x, cell_y, count FROM layers_incident_bin)) AS d""")
        return cursor.fetchone()[0] == 0


def incident(code: str, lon: float, lat: float, grid: Grid, status: str = "reported") -> Incident:
    return Incident.objects.create(code=code, title="t", category="c", source="web", status=status,
                                   location=Point(lon, lat, srid=4326), grid=grid, reported_at=timezone.now())


def database_state() -> dict:
    """The data a planning edit may touch (not sequences or change counters)."""
    return {
        "grids": sorted(Grid.objects.values_list("code", "name", "revision", "households", "residents",
                                                 "tier_yellow", "boundary")),
        "buildings": sorted(Building.objects.values_list("code", "grid__code")),
        "incidents": sorted(Incident.objects.values_list("code", "grid__code")),
        "sensors": sorted(Sensor.objects.values_list("device_id", "grid__code")),
        "workers": sorted(GridWorker.objects.values_list("name", "grid__code")),
        "profiles": sorted(Profile.objects.values_list("user__username", "grid__code", "division__code")),
        "revisions": GridRevision.objects.count(),
        "changes": PlanChange.objects.count(),
        "bins": sorted(IncidentBin.objects.values_list("grid_id", "status", "cell_x", "cell_y", "count")),
    }


# ---- reshape -------------------------------------------------------------------------------------

def test_reshape_moves_the_shared_edge_for_both_grids_and_b2_with_its_household(district):
    admin = district.users["admin"]
    assert district.b2.grid == district.grid12  # most of B2 lies east of 114.10
    in_b2 = Sensor.objects.create(device_id="S-B2", kind="smoke", location=Point(114.1005, 30.1002, srid=4326),
                                  building=district.b2, grid=district.grid12)
    loose = Sensor.objects.create(device_id="S-OUT", kind="camera", location=Point(114.1007, 30.12, srid=4326),
                                  grid=district.grid12)  # no building: placed by its location
    report = run(admin, "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)})
    g1, g2 = Grid.objects.get(code=G1), Grid.objects.get(code=G2)
    assert g1.boundary.extent == pytest.approx((114.05, 30.05, 114.101, 30.15))
    assert g2.boundary.extent == pytest.approx((114.101, 30.05, 114.15, 30.15))  # the neighbour gave up the strip
    assert (g1.revision, g2.revision) == (2, 2)
    assert Building.objects.get(code="B2").grid.code == G1
    assert figures(G1) == recount(G1) == (3, 5) and figures(G2) == recount(G2) == (0, 0)
    assert {s.device_id: s.grid.code for s in Sensor.objects.filter(pk__in=[in_b2.pk, loose.pk])} == {
        "S-B2": G1, "S-OUT": G1}
    assert report["impact"]["moves"] == [{"from": G2, "to": G1, "buildings": 1, "households": 1, "green": 0,
                                          "yellow": 1, "red": 0, "residents": 1, "sensors": 2, "open_incidents": 0}]
    assert [f["properties"]["code"] for f in report["impact"]["moved_buildings"]["features"]] == ["B2"]
    assert sorted((g["code"], g["revision"], g["status"]) for g in report["grids"]) == [
        (G1, 2, "changed"), (G2, 2, "changed")]
    # first edit of each grid: a baseline row with the old boundary, then the new revision
    rows = list(GridRevision.objects.filter(code=G2).order_by("revision").values_list("revision", "action"))
    assert rows == [(1, "baseline"), (2, "reshape")]
    baseline = GridRevision.objects.get(code=G2, revision=1)
    assert baseline.boundary.extent == pytest.approx((114.10, 30.05, 114.15, 30.15))


def test_reshape_lists_a_building_its_new_edge_cuts(district):
    report = service.preview(service.draft("reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.1002, 30.15)},
                                           district.users["admin"]), district.users["admin"])
    [cut] = report["impact"]["cut_buildings"]
    assert cut["code"] == "B2" and cut["goes_to"] == G2
    assert cut["shares"] == {G1: pytest.approx(0.4, abs=1e-3), G2: pytest.approx(0.6, abs=1e-3)}


def test_reshape_of_a_grid_with_sub_grids_is_refused(district):
    Grid.objects.create(code=G2 + "01", name="子网格", level=2, division=district.village1, parent=district.grid12,
                        boundary=district.grid12.boundary)
    with pytest.raises(BadInput, match="下级网格"):
        service.draft("reshape", {"code": G2, "geometry": geo(114.10, 30.05, 114.14, 30.15)}, district.users["admin"])


# ---- split / create / codes ----------------------------------------------------------------------

def test_split_keeps_the_code_on_the_largest_piece_and_issues_the_next_sequence(district):
    line = {"type": "LineString", "coordinates": [[114.099, 30.12], [114.151, 30.12]]}
    report = run(district.users["village1"], "split", {"code": G2, "line": line})
    g2, new = Grid.objects.get(code=G2), Grid.objects.get(code=VILLAGE + "003")
    assert g2.boundary.extent == pytest.approx((114.10, 30.05, 114.15, 30.12))
    assert new.boundary.extent == pytest.approx((114.10, 30.12, 114.15, 30.15))
    assert (new.level, new.division_id, new.parent_id, new.revision) == (1, district.village1.pk, None, 1)
    assert new.name == "西一社区第3网格"
    assert {(g["code"], g["status"]) for g in report["grids"]} == {(G2, "changed"), (VILLAGE + "003", "new")}
    assert list(GridRevision.objects.filter(code=VILLAGE + "003").values_list("revision", "action")) == [(1, "split")]


def test_create_takes_its_area_out_of_the_sibling(district):
    run(district.users["town1"], "create", {"geometry": geo(114.12, 30.06, 114.13, 30.07), "name": "新网格"})
    new = Grid.objects.get(code=VILLAGE + "003")
    assert new.name == "新网格" and new.boundary.extent == pytest.approx((114.12, 30.06, 114.13, 30.07))
    g2 = Grid.objects.get(code=G2)
    assert not g2.boundary.intersection(new.boundary).area > 1e-12
    assert g2.boundary.area + new.boundary.area == pytest.approx(0.05 * 0.10)


def test_a_retired_code_is_never_issued_again(district):
    run(district.users["admin"], "merge", {"codes": [G1, G2]})
    line = {"type": "LineString", "coordinates": [[114.049, 30.12], [114.151, 30.12]]}
    run(district.users["admin"], "split", {"code": G1, "line": line})
    assert sorted(Grid.objects.filter(division=district.village1).values_list("code", flat=True)) == [
        G1, VILLAGE + "003"]


# ---- merge -----------------------------------------------------------------------------------------

def test_merge_moves_the_retired_grids_workers_users_and_all_cases_and_keeps_its_history(district):
    GridWorker.objects.create(grid=district.grid12, name="刘网格", phone="13700000012")
    worker = add_user("worker12", Role.GRID_WORKER, district.grid12)
    open_case = incident("M1", 114.12, 30.10, district.grid12)
    closed_case = incident("M2", 114.13, 30.11, district.grid12, status="archived")
    assert bins_consistent()
    old_pk = district.grid12.pk

    report = run(district.users["admin"], "merge", {"codes": [G1, G2]})

    assert not Grid.objects.filter(code=G2).exists()
    survivor = Grid.objects.get(code=G1)  # more households than 002 (2 vs 1)
    assert survivor.boundary.extent == pytest.approx((114.05, 30.05, 114.15, 30.15))
    assert set(GridWorker.objects.filter(grid=survivor).values_list("name", flat=True)) == {"王网格", "刘网格"}
    assert Profile.objects.get(user=worker).grid == survivor
    assert {Incident.objects.get(pk=i.pk).grid for i in (open_case, closed_case)} == {survivor}
    assert Building.objects.get(code="B2").grid == survivor
    assert figures(G1) == recount(G1) == (3, 5)
    assert bins_consistent() and not IncidentBin.objects.filter(grid_id=old_pk).exists()
    rows = list(GridRevision.objects.filter(code=G2).order_by("revision").values_list("revision", "action", "grid"))
    assert rows == [(1, "baseline", None), (2, "merge", None)]
    assert GridRevision.objects.get(code=G2, revision=2).boundary is None
    assert {(g["code"], g["status"]) for g in report["grids"]} == {(G1, "changed"), (G2, "retired")}


def test_merge_of_grids_that_do_not_touch_is_bad_input(district):
    Grid.objects.filter(pk=district.grid12.pk).update(boundary=conftest_box(114.10, 30.05, 114.14, 30.15))
    Grid.objects.create(code=VILLAGE + "003", name="东边网格", level=1, division=district.village1,
                        boundary=conftest_box(114.14, 30.05, 114.15, 30.15))
    with pytest.raises(BadInput, match="相邻"):
        service.draft("merge", {"codes": [G1, VILLAGE + "003"]}, district.users["admin"])


# ---- rollback ---------------------------------------------------------------------------------------

def test_rollback_is_itself_a_new_revision(district):
    admin = district.users["admin"]
    run(admin, "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)})
    run(admin, "rollback", {"code": G1, "revision": 1})
    g1, g2 = Grid.objects.get(code=G1), Grid.objects.get(code=G2)
    assert g1.boundary.extent == pytest.approx((114.05, 30.05, 114.10, 30.15))
    assert g2.boundary.extent == pytest.approx((114.10, 30.05, 114.15, 30.15))
    assert g1.revision == 3
    assert list(GridRevision.objects.filter(code=G1).order_by("revision").values_list("action", flat=True)) == [
        "baseline", "reshape", "rollback"]
    assert Building.objects.get(code="B2").grid == g2
    assert figures(G2) == recount(G2) == (1, 1)


# ---- concurrency, preview --------------------------------------------------------------------------

def test_a_stale_draft_is_a_conflict_with_the_current_grids(district):
    admin = district.users["admin"]
    stale = service.draft("reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.09, 30.15)}, admin)
    run(admin, "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)})
    with pytest.raises(Conflict) as caught:
        service.commit(stale, admin, "晚了", {G1: 1, G2: 1})
    body = caught.value.as_dict()
    current = {f["id"]: f for f in body["current"]["features"]}
    assert current[G1]["properties"]["revision"] == 2
    assert current[G1]["geometry"]["coordinates"]  # the geometry as it is now
    assert Grid.objects.get(code=G1).revision == 2


def test_commit_refuses_revisions_the_client_did_not_see(district):
    admin = district.users["admin"]
    draft = service.draft("reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)}, admin)
    with pytest.raises(Conflict):
        service.commit(draft, admin, "x", {G1: 1})  # the neighbour changes too, its revision was not given


def test_preview_changes_nothing_and_reports_what_commit_does(district):
    incident("P1", 114.1003, 30.1003, district.grid12)
    admin = district.users["admin"]
    params = {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)}
    state = database_state()
    preview = service.preview(service.draft("reshape", params, admin), admin)
    assert database_state() == state
    assert preview["committable"] is True
    committed = run(admin, "reshape", params)
    assert preview["impact"] == committed["impact"]
    assert preview["impact"]["moves"][0]["open_incidents"] == 1
    assert bins_consistent()


def test_preview_of_a_split_names_the_new_grid_by_its_key(district):
    admin = district.users["admin"]
    line = {"type": "LineString", "coordinates": [[114.099, 30.12], [114.151, 30.12]]}
    preview = service.preview(service.draft("split", {"code": G2, "line": line}, admin), admin)
    codes = {f["properties"]["code"]: f["properties"]["status"] for f in preview["draft"]["features"]}
    assert codes == {G1: "kept", G2: "changed", "new-1": "new"}
    assert not Grid.objects.filter(code=VILLAGE + "003").exists()


# ---- size rules ------------------------------------------------------------------------------------

def test_size_rule_nearest_division_wins_else_the_default(district, settings):
    settings.GEOGOV_PLANNING_HOUSEHOLDS, settings.GEOGOV_PLANNING_RESIDENTS = (100, 600), (300, 2000)
    assert bounds_for(district.village1) == Bounds(100, 600, 300, 2000)
    SizeRule.objects.create(division=district.county, min_households=50, max_households=60, min_residents=1,
                            max_residents=2)
    SizeRule.objects.create(division=district.town1, min_households=20, max_households=30, min_residents=70,
                            max_residents=120)
    assert bounds_for(district.village1) == Bounds(20, 30, 70, 120)
    assert bounds_for(district.village2) == Bounds(50, 60, 1, 2)


def test_sub_grids_are_edited_under_their_parent_grid_with_two_digit_codes(district):
    child = Grid.objects.create(code=G2 + "01", name="子网格", level=2, division=district.village1,
                                parent=district.grid12, boundary=district.grid12.boundary)
    Building.objects.assign_grids()
    line = {"type": "LineString", "coordinates": [[114.099, 30.1003], [114.151, 30.1003]]}  # cuts B2 too
    run(district.users["village1"], "split", {"code": child.code, "line": line})
    new = Grid.objects.get(code=G2 + "02")
    assert (new.level, new.parent_id, new.division_id) == (2, district.grid12.pk, district.village1.pk)
    assert Building.objects.get(code="B2").grid.code in (child.code, new.code)
    assert figures(G2) == (1, 1)  # the parent grid counts its sub-grids' households
    assert figures(child.code) == recount(child.code) and figures(new.code) == recount(new.code)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_commits_of_one_village_one_wins_one_gets_409():
    """Each thread reads the grids first, then commits on its own connection; the FOR UPDATE locks order them."""
    import threading

    from django.db import connections

    from tests.conftest import build_district

    district = build_district()
    admin = district.users["admin"]
    drafts = [service.draft("reshape", {"code": G1, "geometry": geo(114.05, 30.05, east, 30.15)}, admin)
              for east in (114.101, 114.095)]
    ready, outcomes = threading.Barrier(2), []

    def commit(draft) -> None:
        try:
            ready.wait()
            service.commit(draft, admin, "并发", {G1: 1, G2: 1})
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=commit, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
    assert Grid.objects.get(code=G1).revision == 2
    assert GridRevision.objects.filter(code=G1).count() == 2  # baseline + the one saved edit
