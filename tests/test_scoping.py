"""Area scoping: default deny; outside the user's area is a 404, never a 403 naming the object."""

from __future__ import annotations

import pytest

from tests.conftest import District

pytestmark = pytest.mark.django_db


def codes(body: dict) -> set[str]:
    return {feature["properties"]["code"] for feature in body["features"]}


def test_town_operator_gets_404_for_a_building_in_another_town(api, district: District):
    response = api("town1").get("/api/buildings/B3/")
    assert response.status_code == 404
    assert "东一路" not in response.content.decode()
    assert api("town2").get("/api/buildings/B3/").status_code == 200


@pytest.mark.parametrize(("user", "buildings", "grids", "divisions"), [
    ("admin", {"B1", "B2", "B3"}, 3, 5),
    ("county", {"B1", "B2", "B3"}, 3, 5),
    ("town1", {"B1", "B2"}, 2, 2),
    ("town2", {"B3"}, 1, 2),
    ("village1", {"B1", "B2"}, 2, 1),
    ("worker11", {"B1"}, 1, 0),
    ("viewer1", {"B1", "B2"}, 2, 2),
    ("nobody", set(), 0, 0),
])
def test_lists_hold_only_the_users_area(api, district: District, user, buildings, grids, divisions):
    client = api(user)
    assert codes(client.get("/api/buildings/").json()) == buildings
    assert client.get("/api/grids/").json()["count"] == grids
    assert client.get("/api/divisions/").json()["count"] == divisions


def test_bbox_over_everything_returns_only_the_area(api, district: District):
    whole = "?in_bbox=113,29,115,31"
    assert codes(api("town2").get(f"/api/buildings/{whole}").json()) == {"B3"}
    assert codes(api("worker11").get(f"/api/grids/{whole}").json()) == {"420102001001001"}


def test_grid_worker_sees_only_their_grid(api, district: District):
    client = api("worker11")
    assert client.get("/api/grids/420102001001001/figures/").status_code == 200
    assert client.get("/api/grids/420102001001002/").status_code == 404
    assert client.get("/api/grids/420102001001002/figures/").status_code == 404
    assert client.get("/api/buildings/B2/").status_code == 404
    assert client.get("/api/buildings/?grid=420102001001002").status_code == 404
    assert {r["name"] for r in client.get("/api/residents/").json()["results"]} == {"张三", "李四", "张小", "赵老"}


def test_residents_outside_the_area_are_404(api, district: District):
    east = next(r for r in district.residents if r.household.building_id == district.b3.pk)
    client = api("town1")
    assert client.get(f"/api/residents/{east.pk}/").status_code == 404
    assert client.post(f"/api/residents/{east.pk}/reveal/", {"reason": "核查"}).status_code == 404


def test_user_without_profile_sees_nothing(api, district: District):
    client = api("nobody")
    assert client.get("/api/residents/").json()["count"] == 0
    assert client.get("/api/buildings/B1/").status_code == 404
    assert client.get("/api/grids/420102001001001/figures/").status_code == 404


@pytest.mark.parametrize("path", ["/api/divisions/", "/api/grids/", "/api/buildings/B1/", "/api/residents/",
                                  "/api/schema/"])
def test_anonymous_api_is_refused(client, district: District, path: str):
    assert client.get(path).status_code in (401, 403)


def test_anonymous_reveal_is_refused(client, district: District):
    assert client.post(f"/api/residents/{district.residents[0].pk}/reveal/", {"reason": "x"}).status_code in (401, 403)


@pytest.mark.parametrize("path", ["/map/", "/", "/admin/", "/api/docs/"])
def test_anonymous_pages_redirect_to_login(client, district: District, path: str):
    response = client.get(path, follow=True)
    assert response.redirect_chain
    assert response.redirect_chain[-1][0].startswith("/accounts/login/") or "/admin/login/" in \
        response.redirect_chain[-1][0]
