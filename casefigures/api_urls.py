"""GET /api/figures/ (mounted before the generic /api/ include)."""

from django.urls import path

from casefigures import views

app_name = "casefigures_api"
urlpatterns = [path("", views.figures_api, name="figures")]
