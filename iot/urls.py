"""/iot/v1/: the devices' door (HMAC-signed requests, exempt from login in geo_governance/middleware.py)."""

from django.urls import path

from iot import views

app_name = "iot"

urlpatterns = [
    path("events", views.ingest, name="events"),
]
