"""/api/incidents/ routes (mounted before the generic /api/ include)."""

from rest_framework.routers import SimpleRouter

from incidents import views

app_name = "incidents"

router = SimpleRouter()
router.register("", views.IncidentViewSet, basename="incident")

urlpatterns = router.urls
