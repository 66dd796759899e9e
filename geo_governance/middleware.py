"""Login is required everywhere except the few public paths listed here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

PUBLIC_PREFIXES = ("/accounts/login/", "/healthz", "/readyz", "/static/", "/i18n/")


# Endpoints read by scripts and the map's fetch/EventSource, not by a person: 401 JSON, not a login redirect.
MACHINE_PREFIXES = ("/tiles/", "/search/", "/live/", "/basemap/")

# Doors whose views authenticate every request themselves, without a login session: each listed view
# must refuse an unauthenticated request on its own. /iot/v1/: devices' HMAC signatures (iot/signing.py).
SELF_AUTHENTICATED_PREFIXES = ("/iot/v1/",
                               # API keys of ApiClient rows (incidents/channels/keys.py)
                               "/open311/v2/", "/api/hotline/v1/")


class LoginRequiredMiddleware:
    """Default deny: anonymous requests get a login redirect (pages) or 401/403 (API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if request.user.is_authenticated or path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        if path.startswith(SELF_AUTHENTICATED_PREFIXES):
            return self.get_response(request)
        if path.startswith("/api/"):
            # DRF answers with its own 401/403 (basic auth may still log the caller in).
            return self.get_response(request)
        if path.startswith(MACHINE_PREFIXES):
            return JsonResponse({"detail": "authentication required"}, status=401)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
