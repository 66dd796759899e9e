"""No full ID number or phone in any list or detail; reveals only for roles that may, always audited."""

from __future__ import annotations

import pytest

from layers.models import Resident, RevealAudit
from tests.conftest import District

pytestmark = pytest.mark.django_db


def every_read_path(district: District) -> list[str]:
    paths = ["/api/divisions/", "/api/grids/", "/api/buildings/", "/api/residents/", "/api/residents/?q=张"]
    paths += [f"/api/divisions/{d.code}/" for d in (district.county, district.town1, district.village2)]
    for grid in (district.grid11, district.grid12, district.grid21):
        paths += [f"/api/grids/{grid.code}/", f"/api/grids/{grid.code}/figures/"]
    paths += [f"/api/buildings/{b.code}/" for b in (district.b1, district.b2, district.b3)]
    paths += [f"/api/residents/{r.pk}/" for r in district.residents]
    return paths


def test_no_full_id_number_or_phone_in_any_response(api, district: District):
    secrets = [value for r in Resident.objects.all() for value in (r.id_number, r.phone) if value]
    assert len(secrets) == 2 * len(district.residents)
    seen_residents = 0
    for user in district.users:
        client = api(user)
        for path in every_read_path(district):
            response = client.get(path)
            assert response.status_code in (200, 404), (user, path)
            raw = response.content.decode()
            leaked = [value for value in secrets if value in raw]
            assert not leaked, f"{user} {path} leaks {leaked}"
            seen_residents += raw.count("id_number_masked")
    assert seen_residents > 50  # the scan did look at resident data


def test_masked_format(api, district: District):
    resident = district.residents[0]
    body = api("town1").get(f"/api/residents/{resident.pk}/").json()
    assert body["id_number_masked"] == resident.id_number[:4] + "*" * 10 + resident.id_number[-4:]
    assert body["phone_masked"] == resident.phone[:3] + "****" + resident.phone[-4:]


@pytest.mark.parametrize("user", ["admin", "county", "town1", "village1", "worker11"])
def test_reveal_returns_full_values_and_writes_an_audit_row(api, district: District, user: str):
    resident = district.residents[0]
    response = api(user).post(f"/api/residents/{resident.pk}/reveal/", {"reason": "入户走访核对"},
                              REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    body = response.json()
    assert (body["id_number"], body["phone"]) == (resident.id_number, resident.phone)
    audit = RevealAudit.objects.get(pk=body["audit_id"])
    assert (audit.user.username, audit.resident_id, audit.reason, audit.ip) == (
        user, resident.pk, "入户走访核对", "10.1.2.3")
    assert set(audit.fields.split(",")) == {"id_number", "phone"}


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 201}])
def test_reveal_needs_a_reason(api, district: District, data: dict):
    response = api("town1").post(f"/api/residents/{district.residents[0].pk}/reveal/", data, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not RevealAudit.objects.exists()


@pytest.mark.parametrize("user", ["viewer1", "nobody"])
def test_roles_that_may_not_reveal_get_403_or_404(api, district: District, user: str):
    response = api(user).post(f"/api/residents/{district.residents[0].pk}/reveal/", {"reason": "好奇"})
    # The viewer sees the resident (403: the role may not reveal); no profile sees nothing (404).
    assert response.status_code == (403 if user == "viewer1" else 404)
    assert district.residents[0].id_number not in response.content.decode()
    assert not RevealAudit.objects.exists()


def test_reveal_is_post_only(api, district: District):
    assert api("admin").get(f"/api/residents/{district.residents[0].pk}/reveal/").status_code == 405
