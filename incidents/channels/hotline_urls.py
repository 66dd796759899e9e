"""/api/hotline/v1/ routes (API token, no session)."""

from django.urls import path

from incidents.channels import hotline

app_name = "hotline"

urlpatterns = [
    path("cases", hotline.file_case, name="cases"),
    path("cases/<str:code>", hotline.case_status, name="case"),
]
