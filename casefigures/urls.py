"""The dashboard page and its XLSX export (mounted at /figures/)."""

from django.urls import path

from casefigures import views

app_name = "casefigures"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export_xlsx, name="export"),
]
