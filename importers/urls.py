"""Routes of the import and export front doors (mounted at /import/ and /export/)."""

from django.urls import path  # noqa: F401

app_name = "importers"
urlpatterns: list = []
