"""HTTP contract of /api/planning/: context, preview, commit, history, diff; 400/403/404/409."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping

from layers.models import Building, Grid
from planning.models import GridRevision, PlanChange

G1, G2 = "420102001001001", "420102001001002"
VILLAGE = "420102001001"
LINE = {"type": "LineString", "coordinates": [[114.099, 30.12], [114.151, 30.12]]}


def geo(minx, miny, maxx, maxy) -> dict:
    return mapping(box(minx, miny, maxx, maxy))


def revisions() -> dict:
    return dict(Grid.objects.values_list("code", "revision"))


def post(client, url: str, op: str, params: dict, **extra):
    return client.post(f"/api/planning/{url}/", {"op": op, "params": params, "revisions": revisions(), **extra},
                       format="json")


def test_context_of_a_grid_lists_its_siblings_buildings_and_rule(api):
    response = api("village1").get("/api/planning/context/", {"grid": G1})
    assert response.status_code == 200
    body = response.json()
    assert body["parent"]["code"] == VILLAGE and body["parent"]["kind"] == "division"
    assert body["parent"]["boundary"]["type"] == "MultiPolygon"
    assert body["rule"] == {"min_households": 100, "max_households": 600, "min_residents": 300, "max_residents": 2000}
    grids = {f["id"]: f["properties"] for f in body["grids"]["features"]}
    assert set(grids) == {G1, G2}
    assert grids[G1] == {**grids[G1], "code": G1, "revision": 1, "households": 2, "residents": 4,
                              "has_children": False, "within_bounds": False, "level": 1}
    assert {f["properties"]["code"]: f["properties"]["grid"] for f in body["buildings"]["features"]} == {
        "B1": G1, "B2": G2}
    assert body["may_plan"] is True


def test_context_for_a_viewer_says_it_may_not_plan(api):
    body = api("viewer1").get("/api/planning/context/", {"parent": VILLAGE}).json()
    assert body["may_plan"] is False and len(body["grids"]["features"]) == 2


@pytest.mark.parametrize("query", [{"grid": "420102002001001"}, {"parent": "420102002001"}, {"grid": "999"}])
def test_context_outside_the_area_is_404(api, query):
    assert api("town1").get("/api/planning/context/", query).status_code == 404


def test_preview_then_commit_a_reshape(api):
    client = api("town1")
    params = {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)}
    preview = post(client, "preview", "reshape", params)
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["op"] == "reshape" and body["committable"] is True
    assert {f["properties"]["code"]: f["properties"]["status"] for f in body["draft"]["features"]} == {
        G1: "changed", G2: "changed"}
    assert all(c["level"] in ("error", "warning") for c in body["checks"])
    assert {"moves", "grids", "cut_buildings", "moved_buildings"} <= set(body["impact"])
    assert Grid.objects.get(code=G1).revision == 1 and Building.objects.get(code="B2").grid.code == G2

    committed = post(client, "commit", "reshape", params, reason="B2 整栋划入一网格")
    assert committed.status_code == 201, committed.content
    saved = committed.json()
    assert PlanChange.objects.get(pk=saved["change"]).reason == "B2 整栋划入一网格"
    assert sorted((g["code"], g["revision"]) for g in saved["grids"]) == [(G1, 2), (G2, 2)]
    assert saved["impact"] == body["impact"]
    assert Building.objects.get(code="B2").grid.code == G1


def test_commit_with_old_revisions_is_409_with_the_current_grids(api):
    client = api("admin")
    old = revisions()
    first = post(client, "commit", "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)}, reason="一")
    assert first.status_code == 201
    params = {"code": G1, "geometry": geo(114.05, 30.05, 114.09, 30.15)}
    second = client.post("/api/planning/commit/", {"op": "reshape", "revisions": old, "reason": "二", "params": params},
                         format="json")
    assert second.status_code == 409
    body = second.json()
    assert "detail" in body
    current = {f["id"]: f for f in body["current"]["features"]}
    assert current[G1]["properties"]["revision"] == 2
    assert max(x for x, _ in current[G1]["geometry"]["coordinates"][0][0]) == pytest.approx(114.101)


def test_split_commit_issues_the_next_code(api):
    response = post(api("village1"), "commit", "split", {"code": G2, "line": LINE}, reason="拆分")
    assert response.status_code == 201, response.content
    assert {(g["code"], g["status"]) for g in response.json()["grids"]} == {(G2, "changed"), (VILLAGE + "003", "new")}


def test_replace_reuses_codes_by_largest_overlap_and_retires_the_rest(api):
    params = {"parent": VILLAGE, "grids": [{"geometry": geo(114.05, 30.05, 114.15, 30.10), "name": "南"},
                                           {"geometry": geo(114.05, 30.10, 114.15, 30.15), "name": "北"}]}
    response = post(api("admin"), "commit", "replace", params, reason="整体重划")
    assert response.status_code == 201, response.content
    # south and north overlap each old grid equally: the greedy pairing still gives each one an old code
    assert sorted(Grid.objects.filter(division__code=VILLAGE).values_list("name", flat=True)) == ["北", "南"]
    assert set(Grid.objects.filter(division__code=VILLAGE).values_list("code", flat=True)) == {G1, G2}


def test_replace_with_one_grid_retires_the_other(api):
    params = {"parent": VILLAGE, "grids": [{"geometry": geo(114.05, 30.05, 114.15, 30.15)}]}
    response = post(api("admin"), "commit", "replace", params, reason="合一")
    assert response.status_code == 201, response.content
    statuses = {g["code"]: g["status"] for g in response.json()["grids"]}
    assert sorted(statuses.values()) == ["changed", "retired"]
    assert Grid.objects.filter(division__code=VILLAGE).count() == 1


@pytest.mark.parametrize(("op", "params", "needle"), [
    ("explode", {"code": G1}, "explode"),
    ("reshape", {"code": G1, "geometry": {"type": "Polygon", "coordinates": [[1, 2]]}}, "GeoJSON"),
    ("reshape", {"code": G1, "geometry": {"type": "Point", "coordinates": [114.1, 30.1]}}, "geometry"),
    ("reshape", {"code": G1}, "geometry"),
    ("split", {"code": G2, "line": {"type": "LineString", "coordinates": [[114.12, 30.12], [114.13, 30.12]]}}, ""),
    ("merge", {"codes": [G1]}, "codes"),
    ("create", {"parent": VILLAGE, "geometry": geo(114.16, 30.06, 114.17, 30.07)}, ""),
    ("rollback", {"code": G1, "revision": 7}, ""),
])
def test_bad_input_is_400_with_a_message(api, op, params, needle):
    response = post(api("admin"), "preview", op, params)
    assert response.status_code == 400
    assert needle in response.json()["detail"]


def test_a_preview_body_that_is_not_an_object_is_400(api):
    assert api("admin").post("/api/planning/preview/", [1, 2], format="json").status_code == 400
    not_params = {"op": "reshape", "params": "x"}
    assert api("admin").post("/api/planning/preview/", not_params, format="json").status_code == 400


def test_merge_of_grids_that_do_not_touch_is_400(api, district):
    from tests.conftest import box as multi_box

    Grid.objects.filter(pk=district.grid12.pk).update(boundary=multi_box(114.10, 30.05, 114.14, 30.15))
    Grid.objects.create(code=VILLAGE + "003", name="东边", level=1, division=district.village1,
                        boundary=multi_box(114.14, 30.05, 114.15, 30.15))
    response = post(api("admin"), "preview", "merge", {"codes": [G1, VILLAGE + "003"]})
    assert response.status_code == 400 and "相邻" in response.json()["detail"]


def test_a_polygon_partly_outside_the_parent_is_saved_clipped_with_a_warning(api):
    params = {"code": G1, "geometry": geo(114.04, 30.05, 114.10, 30.15)}  # west of the village boundary
    preview = post(api("admin"), "preview", "reshape", params).json()
    # the drawn area is clipped to the village: nothing outside is saved
    assert preview["committable"] is True
    clipped = [c for c in preview["checks"] if c["check"] == "clipped"]
    assert [(c["level"], c["grids"]) for c in clipped] == [("warning", [G1])]
    assert "已裁去" in clipped[0]["message"] and clipped[0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    inside = post(api("admin"), "preview", "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)})
    assert "clipped" not in {c["check"] for c in inside.json()["checks"]}
    committed = post(api("admin"), "commit", "reshape", params, reason="x")
    assert committed.status_code == 201
    assert Grid.objects.get(code=G1).boundary.extent == pytest.approx((114.05, 30.05, 114.10, 30.15))


def test_a_polygon_wholly_outside_the_parent_is_400(api):
    response = post(api("admin"), "preview", "reshape", {"code": G1, "geometry": geo(114.00, 30.00, 114.04, 30.04)})
    assert response.status_code == 400 and "上级" in response.json()["detail"]


def test_commit_without_a_reason_is_400(api):
    response = post(api("admin"), "commit", "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)})
    assert response.status_code == 400 and response.json()["field"] == "reason"
    long = post(api("admin"), "commit", "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)},
                reason="长" * 201)
    assert long.status_code == 400


def test_commit_with_an_error_check_is_400_with_the_checks(api, settings):
    settings.GEOGOV_PLANNING_MIN_AREA_M2 = 100_000_000  # 100 km²: every grid (~53 km²) is now too small
    response = post(api("admin"), "commit", "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)},
                    reason="x")
    assert response.status_code == 400
    body = response.json()
    assert any(c["check"] == "min_area" and c["level"] == "error" for c in body["checks"])
    assert Grid.objects.get(code=G1).revision == 1
    preview = post(api("admin"), "preview", "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)})
    assert preview.status_code == 200 and preview.json()["committable"] is False


@pytest.mark.parametrize("user", ["worker11", "viewer1"])
def test_grid_workers_and_viewers_may_not_plan(api, user):
    params = {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)}
    assert post(api(user), "preview", "reshape", params).status_code == 403
    assert post(api(user), "commit", "reshape", params, reason="x").status_code == 403


def test_planning_outside_the_area_is_404(api):
    params = {"code": "420102002001001", "geometry": geo(114.25, 30.05, 114.30, 30.15)}
    assert post(api("town1"), "preview", "reshape", params).status_code == 404
    elsewhere = {"parent": "420102002001", "geometry": geo(114.26, 30.06, 114.27, 30.07)}
    assert post(api("village1"), "preview", "create", elsewhere).status_code == 404
    unknown = {"code": "420102001001009", "geometry": geo(114.05, 30.05, 114.10, 30.15)}
    assert post(api("admin"), "preview", "reshape", unknown).status_code == 404


def test_history_and_diff(api):
    client = api("admin")
    post(client, "commit", "reshape", {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)}, reason="东扩")
    history = client.get(f"/api/planning/grids/{G1}/history/").json()
    assert history["code"] == G1
    assert [(r["revision"], r["action"]) for r in history["revisions"]] == [(2, "reshape"), (1, "baseline")]
    newest = history["revisions"][0]
    assert newest["reason"] == "东扩" and newest["user"] == "admin" and newest["geometry"]["type"] == "MultiPolygon"
    assert isinstance(newest["change"], int) and newest["at"]

    diff = client.get(f"/api/planning/grids/{G1}/diff/", {"from": 1, "to": 2}).json()
    assert set(diff) >= {"added", "removed", "kept", "area_added_m2", "area_removed_m2"}
    # 0.001° of longitude × 0.10° of latitude at 30°N ≈ 96.5 m × 11,086 m
    assert diff["area_added_m2"] == pytest.approx(96.5 * 11086, rel=0.01)
    assert diff["area_removed_m2"] == 0
    assert client.get(f"/api/planning/grids/{G1}/diff/", {"from": 1}).status_code == 400
    assert client.get(f"/api/planning/grids/{G1}/diff/", {"from": 1, "to": 9}).status_code == 400


def test_history_of_a_retired_code_and_of_an_unedited_grid(api):
    client = api("admin")
    post(client, "commit", "merge", {"codes": [G1, G2]}, reason="合并")
    retired = client.get(f"/api/planning/grids/{G2}/history/").json()
    assert [(r["revision"], r["action"], r["geometry"] is None) for r in retired["revisions"]] == [
        (2, "merge", True), (1, "baseline", False)]
    untouched = client.get("/api/planning/grids/420102002001001/history/").json()
    assert [(r["revision"], r["action"]) for r in untouched["revisions"]] == [(1, "baseline")]
    assert GridRevision.objects.filter(code="420102002001001").count() == 0
    assert api("town1").get("/api/planning/grids/420102002001001/history/").status_code == 404
    assert client.get("/api/planning/grids/420102001001099/history/").status_code == 404


def test_a_geometry_engine_error_is_400_not_500(api, monkeypatch):
    # the guard of the preview and commit views: whatever drawn shape makes GEOS fail is the user's input
    from shapely.errors import GEOSException

    from planning import topology

    def fail(*args, **kwargs):
        raise GEOSException("TopologyException: side location conflict at 114.1 30.1")

    monkeypatch.setattr(topology, "reshape", fail)
    params = {"code": G1, "geometry": geo(114.05, 30.05, 114.101, 30.15)}
    for url in ("preview", "commit"):
        response = post(api("admin"), url, "reshape", params, reason="x")
        assert response.status_code == 400
        assert "几何运算失败" in response.json()["detail"] and "side location conflict" in response.json()["detail"]
