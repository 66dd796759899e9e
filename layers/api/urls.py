"""/api/ routes."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from layers.api import views

app_name = "api"

router = DefaultRouter()
router.register("divisions", views.DivisionViewSet, basename="division")
router.register("grids", views.GridViewSet, basename="grid")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("residents", views.ResidentViewSet, basename="resident")

urlpatterns = [path("summary/", views.SummaryView.as_view(), name="summary"), *router.urls]
