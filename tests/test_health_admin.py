"""Health endpoints, the login and map pages, and the Django admin (offline map widget)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.db import DatabaseError
from django.urls import reverse

from tests.conftest import PASSWORD, District

EXTERNAL_ASSET = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)


def test_healthz_needs_no_database(client):
    # No django_db mark: any database access here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_versions(client):
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["postgis"] and body["postgresql"]


@pytest.mark.django_db
def test_readyz_503_when_the_database_fails(client, monkeypatch):
    def broken() -> dict:
        raise DatabaseError("connection refused by db.internal:5432")

    monkeypatch.setattr("geo_governance.health.database_versions", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "db.internal" not in response.content.decode()


@pytest.mark.django_db
def test_login_page_and_login(client, district: District):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    response = client.post("/accounts/login/", {"username": "town1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/map/"


@pytest.mark.django_db
def test_map_page_shows_the_users_area(api, district: District):
    client = api("worker11")
    html = client.get("/map/").content.decode()
    assert "西一第一网格" in html and reverse("api-docs") in html
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_logout_is_a_post(api, district: District):
    client = api("town1")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/api/residents/").status_code in (401, 403)


def every_model_admin() -> list:
    return [model for model in admin.site._registry if model._meta.app_label == "layers"]


def test_every_layers_model_has_an_admin():
    from django.apps import apps

    assert set(apps.get_app_config("layers").get_models()) == set(every_model_admin())


@pytest.mark.django_db
@pytest.mark.parametrize("model", every_model_admin(), ids=lambda m: m.__name__)
def test_admin_changelist_and_forms_load_no_external_assets(api, district: District, model):
    client = api("admin")
    meta = model._meta
    changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    pages = [changelist]
    first = model.objects.order_by("pk").first()
    if first is not None:
        pages.append(client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])))
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        pages.append(client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")))
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert not EXTERNAL_ASSET.search(html), EXTERNAL_ASSET.search(html).group(0)
        assert "openstreetmap" not in html.lower() and "earthdata" not in html


@pytest.mark.django_db
def test_map_widget_uses_vendored_openlayers(api, district: District):
    html = api("admin").get(reverse("admin:layers_grid_change", args=[district.grid11.pk])).content.decode()
    assert "vendor/ol/10.11.0/ol.js" in html and "ol.layer.Vector" in html


@pytest.mark.django_db
def test_resident_admin_list_masks_personal_data(api, district: District):
    html = api("admin").get(reverse("admin:layers_resident_changelist")).content.decode()
    for resident in district.residents:
        assert resident.id_number not in html and resident.phone not in html
    assert district.residents[0].id_number[:4] + "*" * 10 in html


@pytest.mark.django_db
def test_reveal_audit_admin_is_read_only(api, district: District):
    client = api("admin")
    client.post(f"/api/residents/{district.residents[0].pk}/reveal/", {"reason": "核查"})
    from layers.models import RevealAudit

    audit = RevealAudit.objects.get()
    assert client.get(reverse("admin:layers_revealaudit_add")).status_code == 403
    assert client.post(reverse("admin:layers_revealaudit_delete", args=[audit.pk]), {"post": "yes"}).status_code == 403
    assert RevealAudit.objects.filter(pk=audit.pk).exists()
