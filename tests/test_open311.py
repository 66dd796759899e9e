"""Open311 GeoReport v2 over the intake core: services, definitions, requests GET/POST, errors, jurisdiction, the
client's key and area; read by an Open311 client nobody on the team wrote (PyPI ``georeport``) over loopback."""

from __future__ import annotations

import datetime as dt
import re
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone, translation

from incidents import service
from incidents.channels import keys
from incidents.models import IncidentTransition, Reporter
from layers.models.incidents import Incident
from tests.conftest import District, build_district

pytestmark = pytest.mark.django_db
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


@pytest.fixture
def key(district: District) -> str:
    return keys.issue("open311 app", "open311")[1]


def spec_post(key: str, **fields) -> dict:
    """The spec's POST example, field by field (form-encoded), with our service code and a point in grid 11."""
    return {"api_key": key, "jurisdiction_id": "geogov", "service_code": "402", "lat": "30.1005",
            "long": "114.0705", "email": "smith@example.com", "device_id": "tt222111", "account_id": "123456",
            "first_name": "john", "last_name": "smith", "phone": "13700001111",
            "description": "A large sinkhole is destroying the street", "media_url": "http://example.com/x.jpg",
            "attribute[WHISHETN]": "123456", **fields}


def post(data: dict):
    return Client().post("/open311/v2/requests.json", data)


def errors(response, code: int) -> str:
    assert response.status_code == code, response.content
    (error,) = response.json()
    assert list(error) == ["code", "description"] and error["code"] == code
    return error["description"]


# ---- services ---------------------------------------------------------------------------------------------------


def test_services_list_has_the_spec_fields(key):
    response = Client().get("/open311/v2/services.json", {"api_key": key})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    services = response.json()
    assert [s["service_code"] for s in services] == ["101", "201", "301", "401", "402", "501", "601"]
    assert all(list(s) == SERVICE_FIELDS for s in services)
    assert services[4] == {"service_code": "402", "service_name": "占道经营", "description": "流动摊贩占道经营",
                           "metadata": False, "type": "realtime", "keywords": "street vendor", "group": "城市管理"}


def test_service_definition_and_unknown_code(key):
    assert Client().get("/open311/v2/services/402.json", {"api_key": key}).json() == {
        "service_code": "402", "attributes": []}
    assert "service_code" in errors(Client().get("/open311/v2/services/999.json", {"api_key": key}), 404)


def test_english_service_names_on_request(key):
    with translation.override("zh-hans"):  # the middleware's activation of English ends with the block
        response = Client(headers={"Accept-Language": "en"}).get("/open311/v2/services.json", {"api_key": key})
    assert response.json()[4]["service_name"] == "Street vending"


# ---- POST -------------------------------------------------------------------------------------------------------


def test_post_a_request_as_in_the_spec_example(key, district: District):
    response = post(spec_post(key))
    assert response.status_code == 201
    (answer,) = response.json()
    case = Incident.objects.get()
    assert answer == {"service_request_id": case.code, "service_notice": "", "account_id": None}
    assert (case.source, case.category, case.title, case.grid_id, case.building_id) == (
        "open311", "城市管理/占道经营", "占道经营", district.grid11.pk, district.b1.pk)
    assert list(Reporter.objects.values_list("name", "phone", "channel")) == [("john smith", "13700001111", "open311")]
    extra = IncidentTransition.objects.get(action="report").data["extra"]
    assert extra == {"media_url": "http://example.com/x.jpg", "device_id": "tt222111", "account_id": "123456",
                     "email": "smith@example.com", "attributes": {"WHISHETN": ["123456"]}}


def test_post_by_address_string_or_address_id(key, district: District):
    assert post(spec_post(key, lat="", long="", address_string="东一路1号")).status_code == 201
    assert post(spec_post(key, lat="", long="", address_id="B2")).status_code == 201
    assert list(Incident.objects.order_by("id").values_list("building__code", flat=True)) == ["B3", "B2"]


def test_post_errors_follow_the_spec(key, district: District):
    assert "API key" in errors(post(spec_post("wrong")), 403)
    assert "API key" in errors(post({k: v for k, v in spec_post(key).items() if k != "api_key"}), 403)
    assert "service_code" in errors(post(spec_post(key, service_code="999")), 400)
    assert "lat/long" in errors(post(spec_post(key, lat="", long="")), 400)
    assert "lat and long" in errors(post(spec_post(key, lat="north")), 400)
    assert "jurisdiction_id" in errors(post(spec_post(key, jurisdiction_id="elsewhere")), 404)
    hotline_token = keys.issue("hotline", "hotline")[1]
    errors(post(spec_post(hotline_token)), 403)   # a hotline token is no Open311 key
    assert Incident.objects.count() == 0


def test_jurisdiction_is_configurable_and_may_be_omitted(key, settings, district: District):
    settings.GEOGOV_OPEN311_JURISDICTION = "wuhan.qiaokou"
    assert post(spec_post(key)).status_code == 404
    assert post(spec_post(key, jurisdiction_id="wuhan.qiaokou")).status_code == 201
    assert post({k: v for k, v in spec_post(key).items() if k != "jurisdiction_id"}).status_code == 201


def test_idempotency_key_on_open311_post(key, district: District):
    first = Client().post("/open311/v2/requests.json", spec_post(key), HTTP_IDEMPOTENCY_KEY="o-1")
    again = Client().post("/open311/v2/requests.json", spec_post(key), HTTP_IDEMPOTENCY_KEY="o-1")
    assert first.json() == again.json() and Incident.objects.count() == 1


# ---- GET requests -----------------------------------------------------------------------------------------------


def get(key: str, path: str = "/open311/v2/requests.json", **params):
    return Client().get(path, {"api_key": key, **params})


def test_get_a_request_has_exactly_the_spec_fields(key, district: District):
    code = post(spec_post(key)).json()[0]["service_request_id"]
    (request,) = get(key, f"/open311/v2/requests/{code}.json").json()
    case = Incident.objects.get()
    assert list(request) == REQUEST_FIELDS
    assert {k: request[k] for k in REQUEST_FIELDS if not k.endswith("datetime")} == {
        "service_request_id": code, "status": "open", "status_notes": None, "service_name": "占道经营",
        "service_code": "402", "description": "A large sinkhole is destroying the street", "agency_responsible": None,
        "service_notice": None, "address": "西一路1号", "address_id": "B1", "zipcode": None, "lat": 30.1005,
        "long": 114.0705, "media_url": "http://example.com/x.jpg"}
    assert all(W3C.match(request[k]) for k in ("requested_datetime", "updated_datetime", "expected_datetime"))
    assert request["requested_datetime"].endswith("+08:00")
    assert dt.datetime.fromisoformat(request["expected_datetime"]) == case.deadline
    assert "service_request_id" in errors(get(key, "/open311/v2/requests/SJ0.json"), 404)


def test_get_requests_filters(key, district: District):
    first = post(spec_post(key)).json()[0]["service_request_id"]
    second = post(spec_post(key, service_code="201", lat="30.08", long="114.12")).json()[0]["service_request_id"]
    codes = lambda **params: [r["service_request_id"] for r in get(key, **params).json()]  # noqa: E731
    assert codes() == [second, first]
    assert codes(service_code="201") == [second]
    assert codes(service_code="402,201") == [second, first]
    assert codes(service_request_id=f"{first},{second}", status="closed") == [second, first]  # the ids win
    assert codes(status="closed") == []
    assert codes(status="open") == [second, first]
    soon = (timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert codes(start_date=soon, end_date=soon) == []
    yesterday = (timezone.now() - dt.timedelta(days=1)).isoformat(timespec="seconds")
    assert codes(start_date=yesterday, end_date=soon) == [second, first]
    assert codes(end_date=yesterday) == []
    assert "90" in errors(get(key, start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z"), 400)
    assert "W3C" in errors(get(key, start_date="yesterday"), 400)
    assert "open" in errors(get(key, status="pending"), 400)
    assert "jurisdiction_id" in errors(get(key, jurisdiction_id="elsewhere"), 404)


def test_a_client_sees_its_area_and_what_it_filed(key, district: District):
    mine = post(spec_post(key)).json()[0]["service_request_id"]                     # grid 11
    east = keys.issue("east app", "open311", area_code=district.town2.code[:9])[1]
    theirs = post(spec_post(east, lat="30.02", long="114.18")).json()[0]["service_request_id"]  # held, no grid
    assert [r["service_request_id"] for r in get(east).json()] == [theirs]          # its own held case only
    assert errors(get(east, f"/open311/v2/requests/{mine}.json"), 404)
    assert {r["service_request_id"] for r in get(key).json()} == {mine, theirs}     # area '' = all


def test_xml_is_served_with_the_spec_element_names(key, district: District):
    answer = Client().post("/open311/v2/requests.xml", spec_post(key))
    assert answer.status_code == 201 and answer["Content-Type"] == "text/xml; charset=utf-8"
    code = Incident.objects.get().code
    assert answer.content == (b"<?xml version='1.0' encoding='UTF-8'?>\n<service_requests><request><service_request_id>"
                              + code.encode() + b"</service_request_id><service_notice /><account_id /></request>"
                              b"</service_requests>")
    root = ElementTree.fromstring(get(key, f"/open311/v2/requests/{code}.xml").content)
    (request,) = root.findall("request")
    assert root.tag == "service_requests" and [e.tag for e in request] == REQUEST_FIELDS
    assert (request.findtext("service_code"), request.findtext("lat"), request.findtext("zipcode")) == (
        "402", "30.1005", "")  # null → an empty element
    services = ElementTree.fromstring(get(key, "/open311/v2/services.xml").content)
    assert services.tag == "services" and [e.tag for e in services[0]] == SERVICE_FIELDS
    assert services[0].findtext("metadata") == "false"
    definition = ElementTree.fromstring(get(key, "/open311/v2/services/402.xml").content)
    assert (definition.tag, definition.findtext("service_code"), len(definition.find("attributes"))) == (
        "service_definition", "402", 0)
    error = ElementTree.fromstring(get("wrong", "/open311/v2/services.xml").content)
    assert (error.tag, error.find("error").findtext("code")) == ("errors", "403")
    assert Client().get("/open311/v2/services.csv", {"api_key": key}).status_code == 404


def test_every_call_needs_the_key(district: District):
    for path in ("/open311/v2/services.json", "/open311/v2/services/402.json", "/open311/v2/requests.json",
                 "/open311/v2/requests/SJ1.json"):
        assert "API key" in errors(Client().get(path), 403), path


# ---- an Open311 client nobody on the team wrote -----------------------------------------------------------------


@pytest.fixture
def live_district(transactional_db) -> District:
    return build_district()


def test_the_georeport_client_lists_services_and_follows_a_request_to_closed(live_server, live_district: District):
    georeport = pytest.importorskip("georeport", reason="the PyPI Open311 client `georeport` (0.3.1) is not installed")
    key = keys.issue("georeport", "open311")[1]
    filed = post(spec_post(key)).json()[0]["service_request_id"]
    host = live_server.url.removeprefix("http://")
    # georeport sends no api_key on reads: it goes as the password of HTTP Basic auth in the root address
    client = georeport.GeoReport(f"http://open311:{key}@{host}/open311/v2", jurisdiction="geogov")
    assert [s["service_code"] for s in client.get_service_list()][:2] == ["101", "201"]
    assert client.get_service_definition("402") == {"service_code": "402", "attributes": []}
    assert [r["service_request_id"] for r in client.get_service_requests(status="open")] == [filed]
    assert client.get_service_request(filed)["status"] == "open"

    case = Incident.objects.get(code=filed)
    admin = live_district.users["admin"]
    for action, data in (("accept", {"level": "village"}), ("dispatch", {"level": "village"}), ("start", {}),
                         ("resolve", {"note": "摊贩已劝离"})):
        case = service.transition(case.pk, action, admin, case.version, **data)
    followed = client.get_service_request(filed)
    assert (followed["status"], followed["status_notes"], followed["agency_responsible"]) == (
        "closed", "摊贩已劝离", "西一社区")
    assert client.get_service_requests(status="open") == []
    as_xml = georeport.GeoReport(f"http://open311:{key}@{host}/open311/v2", jurisdiction="geogov",
                                 output_format="xml")
    assert [s["service_code"] for s in as_xml.get_service_list()][:2] == ["101", "201"]
    in_xml = as_xml.get_service_request(filed)
    assert (in_xml["service_request_id"], in_xml["status"], in_xml["status_notes"], in_xml["lat"]) == (
        filed, "closed", "摊贩已劝离", "30.1005")
    wrong = georeport.GeoReport(f"http://open311:{key}@{host}/open311/v2", jurisdiction="elsewhere")
    with pytest.raises(Exception, match="404"):
        wrong.get_service_list()
