"""The map's search box, /search/?q=…: divisions, grids, buildings, residents; scoped, masked, 400 on bad input."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from search.rules import conditions
from tests.conftest import District, add_household

pytestmark = pytest.mark.django_db


def search(client, q: str, **params) -> list[dict]:
    response = client.get("/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["query"] == q.strip()
    return body["results"]


def found(results: list[dict]) -> list[tuple[str, str]]:
    return [(r["kind"], r["code"]) for r in results]


def test_each_kind_is_found_by_its_code_or_name(api, district: District):
    admin = api("admin")
    assert found(search(admin, "西街道"))[0] == ("division", "420102001000")
    assert found(search(admin, "西一第二")) == [("grid", "420102001001002")]
    assert found(search(admin, "b1")) == [("building", "B1")]  # codes are matched upper-case too
    assert found(search(admin, "西一路")) == [("building", "B1"), ("building", "B2")]  # address substring
    [resident] = search(admin, "张三")
    assert resident["kind"] == "resident" and resident["label"] == "张三"
    assert resident["building"] == "B1" and resident["grid"] == district.grid11.code


def test_code_prefix_results_are_grouped_by_kind_best_match_first(api, district: District):
    results = found(search(api("admin"), "420102001001"))
    assert results == [("division", "420102001001"),  # exact code
                       ("grid", "420102001001001"), ("grid", "420102001001002")]  # prefix
    kinds = [kind for kind, _ in found(search(api("admin"), "420102"))]
    assert kinds == sorted(kinds, key=kinds.index)  # each kind in one run
    assert len(search(api("admin"), "420102", limit="2")) == 2


def test_resident_exact_name_comes_before_a_longer_name_with_that_prefix(api, district: District):
    add_household(district.b2, None, "201", "green", [("张三丰", "M", dt.date(1970, 1, 1), [])])
    names = [r["label"] for r in search(api("admin"), "张三") if r["kind"] == "resident"]
    assert names == ["张三", "张三丰"]
    assert [r["kind"] for r in search(api("admin"), "张")] == []  # one character never searches residents


def test_areas_have_a_bbox_and_points_lie_on_their_feature(api, district: District):
    [grid] = search(api("admin"), "东一第一网格")
    assert grid["bbox"] == pytest.approx([114.25, 30.05, 114.35, 30.15])
    assert 114.25 <= grid["lon"] <= 114.35 and 30.05 <= grid["lat"] <= 30.15
    [building] = search(api("admin"), "B3")
    assert building["bbox"] is None and building["building"] == "B3" and building["grid"] == district.grid21.code
    assert 114.300 <= building["lon"] <= 114.301 and 30.100 <= building["lat"] <= 30.101


@pytest.mark.parametrize(("user", "query", "expected"), [
    ("town1", "B3", []),
    ("town1", "东一路", []),
    ("town1", "孙六", []),
    ("town1", "东一第一网格", []),
    ("town2", "孙六", [("resident", "B3-1-301")]),
    ("town2", "B3", [("building", "B3")]),
    ("village1", "西街道", []),  # the town above the village is outside its area
    ("village1", "西一第二网格", [("grid", "420102001001002")]),
    ("worker11", "钱五", []),  # lives in B2, grid 12
    ("worker11", "张三", [("resident", "B1-1-101")]),
    ("nobody", "B1", []),
    ("nobody", "张三", []),
    ("nobody", "4201", []),
])
def test_results_stay_inside_the_users_area(api, district: District, user, query, expected):
    assert found(search(api(user), query)) == expected


def test_residents_come_back_masked(api, district: District):
    admin = api("admin")
    for resident in district.residents:
        response = admin.get("/search/", {"q": resident.name})
        body = response.content.decode()
        assert resident.name in body
        assert resident.id_number not in body and resident.phone not in body
        [hit] = [r for r in response.json()["results"] if r["label"] == resident.name]
        assert hit["id_number_masked"] == resident.id_number[:4] + "*" * 10 + resident.id_number[-4:]


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_queries_like_id_or_phone_numbers_never_search_residents(api, district: District, field):
    victim = district.residents[0]
    number = getattr(victim, field)
    # Even a resident whose *name* was entered as that number must not be found through it.
    add_household(district.b1, None, "301", "green", [(number, "F", dt.date(1990, 1, 1), [])])
    admin = api("admin")
    for query in (number, number[:8], number[-6:], f"张三{number[-4:]}"):
        assert [r for r in search(admin, query) if r["kind"] == "resident"] == [], query
    assert conditions("resident", number) == []


def test_like_wildcards_are_taken_literally(api, district: District):
    assert search(api("admin"), "%%%") == []
    assert search(api("admin"), "___") == []


@pytest.mark.parametrize("params", [
    {}, {"q": ""}, {"q": "   "}, {"q": "西" * 65}, {"q": "B1\x00"}, {"q": "张\n三"},
    {"q": "B1", "limit": "0"}, {"q": "B1", "limit": "51"}, {"q": "B1", "limit": "ten"}, {"q": "B1", "limit": "1.5"},
])
def test_bad_input_is_a_400_with_a_message(api, district: District, params):
    response = api("admin").get("/search/", params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_limits_at_the_edges_are_accepted(api, district: District):
    assert search(api("admin"), "西" * 64) == []
    assert len(search(api("admin"), "4201", limit="50")) == 8  # 5 divisions + 3 grids
    assert len(search(api("admin"), "4201", limit="1")) == 1


def test_the_explain_command_reports_every_statement(district: District):
    out = StringIO()
    call_command("search_explain", "张三", "B1", user="town1", stdout=out)
    blocks = re.findall(r"^'(.+)' as town1: [\d.]+ ms in (\d+) statements\n((?:  .*\n)*)", out.getvalue(), re.M)
    assert [name for name, _, _ in blocks] == ["张三", "B1"]
    for _, count, lines in blocks:
        assert int(count) >= 4 and lines.count(" ms  ") == int(count)  # one EXPLAINed line per statement


def test_login_is_required(district: District):
    response = Client().get("/search/", {"q": "张三"})
    assert response.status_code in (302, 401)
    assert "张三" not in response.content.decode()


def test_answers_are_not_cached_and_only_get_is_allowed(api, district: District):
    response = api("town1").get("/search/", {"q": "B1"})
    assert "no-store" in response["Cache-Control"]
    assert api("town1").post("/search/?q=B1").status_code == 405
