"""Top-level routes; see the URL contract in the design (docs: /api/docs/, schema: /api/schema/)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from geo_governance import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="gridmap:index", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    path("api/incidents/", include("incidents.urls")),
    path("api/hotline/v1/", include("incidents.channels.hotline_urls")),
    path("api/iot/", include("iot.api_urls")),
    path("api/figures/", include("casefigures.api_urls")),
    path("api/sweeps/", include("sweeps.urls")),
    path("api/planning/", include("planning.urls")),
    path("api/", include("layers.api.urls")),
    path("map/", include("gridmap.urls")),
    path("tiles/", include("tiles.urls")),
    path("live/", include("live.urls")),
    path("search/", include("search.urls")),
    path("basemap/", include("basemap.urls")),
    path("import/", include("importers.urls")),
    path("export/", include("importers.export_urls")),
    path("incidents/", include("incidents.channels.urls")),
    path("open311/v2/", include("incidents.open311.urls")),
    path("iot/v1/", include("iot.urls")),
    path("figures/", include("casefigures.urls")),
]
