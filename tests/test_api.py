"""The REST API: GeoJSON lists and details, filters, figures, bad input, OpenAPI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.models import F, Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from layers.api.serializers import BuildingDetailSerializer
from layers.models import Building, Household, Resident, Unit
from tests.conftest import District, add_household

pytestmark = pytest.mark.django_db


def codes(body: dict) -> set[str]:
    return {feature["properties"]["code"] for feature in body["features"]}


def test_divisions_are_a_feature_collection(api, district: District):
    body = api("admin").get("/api/divisions/").json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == 5
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["code"] == "420102000000"


def test_divisions_level_filter_and_detail(api, district: District):
    client = api("county")
    assert codes(client.get("/api/divisions/?level=village").json()) == {"420102001001", "420102002001"}
    detail = client.get("/api/divisions/420102001000/").json()
    assert detail["type"] == "Feature"
    assert detail["properties"]["parent_code"] == "420102000000"


@pytest.mark.parametrize("path", ["/api/divisions/?level=province", "/api/grids/?level=7"])
def test_bad_level_is_400(api, district: District, path: str):
    response = api("admin").get(path)
    assert response.status_code == 400
    assert response.json()["field"] == "level"


def test_grids_bbox_and_level(api, district: District):
    client = api("admin")
    assert codes(client.get("/api/grids/?in_bbox=114.0,30.0,114.12,30.2").json()) == {
        "420102001001001", "420102001001002"}
    assert codes(client.get("/api/grids/?in_bbox=114.2,30.0,114.4,30.2&level=1").json()) == {"420102002001001"}
    assert client.get("/api/grids/?in_bbox=100,10,101,11").json()["features"] == []


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "114.2,30,114.1,30.2", "114,30.2,114.1,30.0",
                                  "0,0,200,10", "0,-91,1,1", "nan,0,1,1", "1,2,3,4,5", ""])
def test_bad_bbox_is_400_naming_the_parameter(api, district: District, bbox: str):
    response = api("admin").get(f"/api/grids/?in_bbox={bbox}")
    assert response.status_code == 400
    assert "in_bbox" in response.json()["detail"]
    assert response.json()["field"] == "in_bbox"


def test_grid_detail_by_code_and_unknown_code(api, district: District):
    client = api("admin")
    body = client.get("/api/grids/420102001001002/").json()
    assert body["properties"]["name"] == "西一第二网格"
    assert body["properties"]["division_code"] == "420102001001"
    assert client.get("/api/grids/999999999999999/").status_code == 404
    assert client.get("/api/grids/not-a-code/").status_code == 404


def test_grid_figures(api, district: District):
    body = api("admin").get("/api/grids/420102001001001/figures/").json()
    assert body["code"] == "420102001001001" and body["name"] == "西一第一网格"
    assert body["households"] == 2
    assert body["residents"] == 4
    assert body["tiers"] == {"green": 1, "yellow": 0, "red": 1}
    bands = {row["band"]: row for row in body["age_structure"]}
    assert len(bands) == 10 and "90+" in bands
    assert bands["10-19"]["M"] == 1  # born 2015
    assert bands["40-49"] == {"band": "40-49", "M": 1, "F": 1}  # born 1980 and 1982
    assert bands["80-89"]["F"] == 1  # born 1938
    assert sum(row["M"] + row["F"] for row in body["age_structure"]) == 4
    assert body["care_tags"]["elderly_alone"] == 1
    assert body["care_tags"]["left_behind"] == 1
    assert body["workers"] == [{"name": "王网格", "phone": "13700000011", "kind": "full_time"}]
    assert body["incidents"] == {"open": 0, "by_status": {s: 0 for s in body["incidents"]["by_status"]},
                                 "overdue": 0, "latest": []}


def test_division_figures(api, district: District):
    body = api("county").get("/api/divisions/420102001000/figures/").json()
    assert (body["kind"], body["level"], body["grids"]) == ("division", "town", 2)
    assert (body["households"], body["residents"], body["worker_count"]) == (3, 5, 1)
    assert [p["code"] for p in body["parents"]] == ["420102000000"]


def test_grid_figures_query_count_is_fixed(api, district: District, django_assert_max_num_queries):
    client = api("admin")
    with django_assert_max_num_queries(10):
        assert client.get("/api/grids/420102001001002/figures/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/divisions/420102000000/figures/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/summary/").status_code == 200


def test_buildings_filters(api, district: District):
    client = api("admin")
    assert codes(client.get("/api/buildings/?grid=420102001001002").json()) == {"B2"}
    assert codes(client.get("/api/buildings/?grid=420102001001001").json()) == {"B1"}
    assert codes(client.get("/api/buildings/?in_bbox=114.0,30.0,114.2,30.2").json()) == {"B1", "B2"}
    assert client.get("/api/buildings/?grid=42010200100100x").status_code == 400
    assert client.get("/api/buildings/?grid=420102009009009").status_code == 404


def test_building_detail_nests_units_households_residents(api, district: District):
    body = api("admin").get("/api/buildings/B1/").json()
    props = body["properties"]
    assert props["grid_code"] == "420102001001001"
    [unit] = props["units"]
    assert [h["room"] for h in unit["households"]] == ["101", "201"]
    resident = unit["households"][0]["residents"][0]
    assert set(resident) >= {"name", "sex", "age", "id_number_masked", "phone_masked", "care_tags",
                             "residence_type"}
    assert resident["id_number_masked"].count("*") == 10
    loose = api("admin").get("/api/buildings/B2/").json()["properties"]
    assert loose["units"] == []
    assert loose["households_without_unit"][0]["tier"] == "yellow"


def _grow(building: Building, households: int) -> None:
    unit = Unit.objects.create(building=building, number=9)
    for i in range(households):
        add_household(building, unit, f"9{i:02d}", "green",
                      [(f"居民{i}{j}", "F", dt.date(1970 + j, 1, 1 + i), []) for j in range(3)])


def test_building_detail_query_count_does_not_grow(api, district: District):
    client = api("town1")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/buildings/B1/")
    _grow(district.b1, 12)
    with CaptureQueriesContext(connection) as big:
        body = client.get("/api/buildings/B1/").json()
    assert sum(len(h["residents"]) for u in body["properties"]["units"] for h in u["households"]) > 36
    assert len(big) == len(small)


def _masked(resident: Resident) -> dict:
    """A resident as the drill-down shows it, computed here independently of layers.api."""
    today = timezone.localdate()
    born = resident.birth_date
    return {"id": resident.pk, "name": resident.name, "sex": resident.sex,
            "age": today.year - born.year - ((today.month, today.day) < (born.month, born.day)),
            "id_number_masked": resident.id_number[:4] + "*" * 10 + resident.id_number[-4:],
            "phone_masked": resident.phone[:3] + "****" + resident.phone[-4:],
            "relation": "head", "residence_type": "registered", "care_tags": resident.care_tags}


def test_building_detail_is_the_expected_nested_structure(api, district: District):
    by_name = {r.name: _masked(r) for r in district.residents}
    body = api("admin").get("/api/buildings/B1/").json()
    assert list(body) == ["type", "geometry", "properties"]
    coordinates = json.loads(json.dumps(district.b1.footprint.coords))
    assert body["geometry"] == {"type": "MultiPolygon", "coordinates": coordinates}
    assert body["properties"] == {
        "code": "B1", "name": "", "address": "西一路1号", "floors": 6, "height": None, "use": "residential",
        "year_built": None, "grid_code": "420102001001001", "village_code": "420102001001",
        "units": [{"number": 1, "households": [
            {"code": "B1-1-101", "floor": 1, "room": "101", "tier": "green",
             "residents": [by_name["张三"], by_name["李四"], by_name["张小"]]},
            {"code": "B1-1-201", "floor": 2, "room": "201", "tier": "red", "residents": [by_name["赵老"]]},
        ]}],
        "households_without_unit": [],
        "parents": [{"kind": "division", "code": "420102000000", "name": "测试区"},
                    {"kind": "division", "code": "420102001000", "name": "西街道"},
                    {"kind": "division", "code": "420102001001", "name": "西一社区"},
                    {"kind": "grid", "code": "420102001001001", "name": "西一第一网格"}],
    }
    assert list(body["properties"]) == [f.field_name for f in BuildingDetailSerializer().fields.values()
                                        if f.field_name != "footprint"]


def _documented_answer(user, code: str) -> dict:
    """The answer of the documented BuildingDetailSerializer (prefetched model instances) for comparison."""
    households = Household.objects.prefetch_related("residents")
    building = (Building.objects.for_user(user)
                .annotate(grid_code=F("grid__code"), village_code=F("village__code"))
                .prefetch_related(
                    Prefetch("units", queryset=Unit.objects.prefetch_related(Prefetch("households",
                                                                                      queryset=households))),
                    Prefetch("households", queryset=households.filter(unit__isnull=True),
                             to_attr="loose_households"))
                .get(code=code))
    request = APIRequestFactory().get("/")
    request.user = user
    return json.loads(JSONRenderer().render(BuildingDetailSerializer(building, context={"request": request}).data))


def test_building_detail_equals_the_documented_serializer_for_every_user(api, district: District):
    unit2 = Unit.objects.create(building=district.b1, number=2)
    Unit.objects.create(building=district.b1, number=3)  # a unit without households
    add_household(district.b1, unit2, "102", "yellow", [("吴八", "M", dt.date(1999, 9, 9), ["veteran"])])
    add_household(district.b1, unit2, "101", "green", [])  # a household without residents
    add_household(district.b1, None, "601", "red", [("郑九", "F", dt.date(1950, 1, 1), [])])
    for username, user in district.users.items():
        client = api(username)
        for building in Building.objects.for_user(user):
            response = client.get(f"/api/buildings/{building.code}/")
            assert response.status_code == 200
            assert response.json() == _documented_answer(user, building.code), (username, building.code)


def test_building_detail_scoping_and_the_standard_lookup(api, district: District):
    client = api("town1")
    plain = client.get("/api/buildings/B1/").json()
    assert client.get("/api/buildings/B1/?grid=420102001001001").json() == plain  # filters: get_object path
    assert client.get("/api/buildings/B1/?grid=420102001001002").status_code == 404
    assert client.get("/api/buildings/B1/?grid=42010200100100x").status_code == 400
    for username, code in (("town1", "B3"), ("town2", "B1"), ("worker11", "B2"), ("nobody", "B1"),
                           ("admin", "B9")):
        response = api(username).get(f"/api/buildings/{code}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No Building matches the given query."}
    assert [p["code"] for p in plain["properties"]["parents"]] == [
        "420102001000", "420102001001", "420102001001001"]  # the county is outside town1's area


def test_building_detail_query_count_is_fixed(api, district: District):
    client = api("village1")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/buildings/B2/")
    for room in range(102, 130):
        add_household(district.b2, None, str(room), "green", [(f"居民{room}", "M", dt.date(1970, 1, 1), [])] * 2)
    _grow(district.b2, 10)
    with CaptureQueriesContext(connection) as big:
        body = client.get("/api/buildings/B2/").json()["properties"]
    assert len(body["households_without_unit"]) == 29 and len(body["units"][0]["households"]) == 10
    assert len(big) == len(small)


def test_residents_search_and_pagination(api, district: District):
    client = api("admin")
    body = client.get("/api/residents/?q=张").json()
    assert body["count"] == 2
    assert {r["name"] for r in body["results"]} == {"张三", "张小"}
    assert body["results"][0]["building_code"] == "B1"
    page = client.get("/api/residents/?limit=2&offset=0").json()
    assert page["count"] == Resident.objects.count() and len(page["results"]) == 2 and page["next"]


def test_unknown_resident_is_404_not_500(api, district: District):
    client = api("admin")
    assert client.get("/api/residents/999999/").status_code == 404
    assert client.get("/api/residents/abc/").status_code == 404
    assert client.post("/api/residents/abc/reveal/", {"reason": "x"}).status_code == 404


def test_api_is_read_only(api, district: District):
    client = api("admin")
    assert client.post("/api/grids/", {}, format="json").status_code == 405
    assert client.delete("/api/buildings/B1/").status_code == 405
    assert Household.objects.count() == 4


def test_openapi_schema(api, district: District):
    response = api("admin").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/divisions/", "/api/grids/", "/api/grids/{code}/figures/", "/api/buildings/{code}/",
                 "/api/divisions/{code}/figures/", "/api/summary/",
                 "/api/residents/", "/api/residents/{id}/reveal/"):
        assert path in paths


def test_openapi_schema_generates_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache


def test_api_docs_page_loads_swagger_locally(api, district: District):
    response = api("admin").get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr.net" not in html
