"""/api/incidents/ routes (mounted before the generic /api/ include)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents import views
from incidents.channels import api, review

app_name = "incidents"

router = SimpleRouter()
router.register("", views.IncidentViewSet, basename="incident")

# intake (incidents/intake.py) before the router's ^<pk>/ routes
urlpatterns = [
    path("intake/", api.IntakeView.as_view(), name="intake"),
    path("held/", review.HeldListView.as_view(), name="held"),
    path("held/<int:pk>/place/", review.PlaceView.as_view(), name="place"),
    path("duplicates/", review.DuplicateListView.as_view(), name="duplicates"),
    path("duplicates/<int:pk>/confirm/", review.DecideView.as_view(confirm=True), name="duplicate-confirm"),
    path("duplicates/<int:pk>/dismiss/", review.DecideView.as_view(confirm=False), name="duplicate-dismiss"),
    *router.urls,
]
