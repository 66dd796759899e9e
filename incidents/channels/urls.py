"""/incidents/ pages of the intake channels and the photos of reports."""

from django.urls import path

from incidents.channels import api, pages

app_name = "intake"

urlpatterns = [
    path("report/", pages.intake_page, {"page": "report"}, name="report"),
    path("desk/", pages.intake_page, {"page": "desk"}, name="desk"),
    path("mailbox/", pages.intake_page, {"page": "mailbox"}, name="mailbox"),
    path("photos/<str:name>", api.photo, name="photo"),
]
