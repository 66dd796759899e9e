"""The command-centre map page (/map/): local assets only, vendored MapLibre matches LOCK.json, area bounds."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.db.models import Extent

from gridmap.views import area_bounds
from layers.models import Grid
from tests.conftest import District

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"
LOCK = json.loads((VENDOR / "LOCK.json").read_text(encoding="utf-8"))
MAPLIBRE = LOCK["packages"]["maplibre-gl"]

ASSET = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE)
IMPORT_MAP = re.compile(r"""<script type="importmap">(.*?)</script>""", re.DOTALL)


def json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match, element_id
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_map_page_loads_for_a_logged_in_user(api, district: District):
    response = api("town1").get("/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="map"' in html and 'type="module"' in html and "gridmap/map.js" in html
    assert "西街道" in html and "退出登录" in html
    for layer in ("grids", "buildings", "incidents", "sensors"):
        assert f'data-layer="{layer}"' in html


@pytest.mark.django_db
def test_map_page_needs_login(client, district: District):
    response = client.get("/map/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_map_page_loads_only_local_static_files(api, district: District):
    html = api("town1").get("/map/").content.decode()
    urls = ASSET.findall(html)
    imports = json.loads(IMPORT_MAP.search(html).group(1))["imports"]
    urls += list(imports.values())
    urls += re.findall(r'data-worker-url="([^"]+)"', html)
    assert urls
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    for url in urls:
        assert url.startswith(static_prefix), url
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)
    version = MAPLIBRE["version"]
    assert f"vendor/maplibre-gl/{version}/maplibre-gl.mjs" in imports["maplibre-gl"]
    assert f"vendor/maplibre-gl/{version}/maplibre-gl.css" in html
    assert f"vendor/maplibre-gl/{version}/maplibre-gl-worker.mjs" in html


@pytest.mark.parametrize("name", sorted(MAPLIBRE["files"]))
def test_vendored_maplibre_files_match_the_lock(name):
    path = VENDOR / name
    assert path.is_file(), name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MAPLIBRE["files"][name]["sha256"]


def test_vendored_maplibre_has_what_the_browser_needs():
    version = MAPLIBRE["version"]
    needed = {"maplibre-gl.mjs", "maplibre-gl.mjs.map", "maplibre-gl-worker.mjs", "maplibre-gl-worker.mjs.map",
              "maplibre-gl.css", "LICENSE.txt"}
    assert {f"maplibre-gl/{version}/{name}" for name in needed} <= set(MAPLIBRE["files"])
    assert MAPLIBRE["source"].endswith(f"maplibre-gl-{version}.tgz") and MAPLIBRE["integrity"].startswith("sha512-")
    on_disk = {p.name for p in (VENDOR / "maplibre-gl" / version).iterdir()}
    assert on_disk == needed


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["town1", "worker11", "county", "admin"])
def test_area_bounds_are_the_extent_of_the_users_grids(api, district: District, username):
    user = district.users[username]
    html = api(username).get("/map/").content.decode()
    expected = Grid.objects.for_user(user).aggregate(e=Extent("boundary"))["e"]
    bounds = json_script(html, "map-area-bounds")
    assert bounds == pytest.approx(list(expected))
    assert bounds == area_bounds(user)


@pytest.mark.django_db
def test_area_bounds_of_the_fixture_areas(district: District):
    assert area_bounds(district.users["town1"]) == pytest.approx([114.05, 30.05, 114.15, 30.15])
    assert area_bounds(district.users["worker11"]) == pytest.approx([114.05, 30.05, 114.10, 30.15])
    assert area_bounds(district.users["nobody"]) is None


@pytest.mark.django_db
def test_user_without_grids_gets_no_bounds(api, district: District):
    html = api("nobody").get("/map/").content.decode()
    assert json_script(html, "map-area-bounds") is None


@pytest.mark.django_db
def test_choice_labels_reach_the_page(api, district: District):
    choices = json_script(api("town1").get("/map/").content.decode(), "map-choices")
    assert choices["tier"]["red"] == "连心户" and choices["sensor_status"]["alarm"] == "告警"


CSRF_INPUT = re.compile(r'<form class="gm-lang"[^>]*>.*?name="csrfmiddlewaretoken" value="([^"]+)"', re.DOTALL)


@pytest.mark.django_db
def test_language_switch_renders_the_map_page_in_english(district: District):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(district.users["town1"])
    html = client.get("/map/?screen=1").content.decode()
    assert '<html lang="zh-hans"' in html and "退出登录" in html and "Log out" not in html
    form = re.search(r'<form class="gm-lang" method="post" action="([^"]+)"', html)
    assert form and form.group(1) == "/i18n/setlang/"
    assert 'name="next" value="/map/?screen=1"' in html and 'name="language" value="en"' in html
    token = CSRF_INPUT.search(html).group(1)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/map/?screen=1",
                                              "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/map/?screen=1"
    english = client.get("/map/").content.decode()
    assert '<html lang="en"' in english
    for label in ("Grid map", "Log out", "Spatial layers"):
        assert label in english
    for chinese in ("退出登录", "网格地图", "图层"):
        assert chinese not in english
    assert 'name="language" value="zh-hans"' in english  # the way back


@pytest.mark.django_db
def test_language_switch_needs_the_csrf_token(district: District):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(district.users["town1"])
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/map/"}).status_code == 403


@pytest.mark.django_db
def test_screen_mode_from_the_query_string(api, district: District):
    plain = api("town1").get("/map/").content.decode()
    screen = api("town1").get("/map/?screen=1").content.decode()
    assert 'class="gm-screen"' not in plain and '<html lang="zh-hans" class="gm-screen">' in screen
    for html in (plain, screen):
        assert 'id="screen-toggle"' in html and 'id="screen-counters"' in html
        for counter in ("grids", "residents", "open_incidents", "overdue_incidents", "sensors_alarm"):
            assert f'data-counter="{counter}"' in html


VENDORED = sorted((package, name) for package, entry in LOCK["packages"].items() for name in entry["files"])


@pytest.mark.parametrize(("package", "name"), VENDORED)
def test_every_vendored_file_matches_the_lock(package, name):
    entry = LOCK["packages"][package]
    assert name.startswith(f"{package}/{entry['version']}/")
    assert entry["source"].endswith(f"{package}-{entry['version']}.tgz") and entry["integrity"].startswith("sha512-")
    path = VENDOR / name
    assert path.is_file(), name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["files"][name]["sha256"]


def test_nothing_vendored_is_missing_from_the_lock():
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file() and p.name != "LOCK.json"}
    assert on_disk == {name for _package, name in VENDORED}


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "editor"), [("village1", True), ("admin", True), ("viewer1", False),
                                                  ("worker11", False)])
def test_the_import_map_resolves_terra_draw_for_the_editor(api, district: District, username, editor):
    html = api(username).get("/map/").content.decode()
    imports = json.loads(IMPORT_MAP.search(html).group(1))["imports"]
    for package, module in [("terra-draw", "terra-draw.modern.js"),
                            ("terra-draw-maplibre-gl-adapter", "terra-draw-maplibre-gl-adapter.modern.js")]:
        version = LOCK["packages"][package]["version"]
        assert imports[package].endswith(f"vendor/{package}/{version}/{module}")
    assert ('id="map-planning"' in html) is editor
    assert ("gridmap/planning.css" in html) is editor
