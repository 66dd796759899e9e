"""Routes of the upload page (mounted at /import/)."""

from django.urls import path, re_path

from importers import views

app_name = "importers"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("jobs/<int:job_id>/", views.job_status, name="job"),
    path("jobs/<int:job_id>/commit/", views.commit, name="commit"),
    re_path(r"^jobs/(?P<job_id>[0-9]+)/rejects\.(?P<fmt>csv|xlsx)$", views.rejects, name="rejects"),
]
