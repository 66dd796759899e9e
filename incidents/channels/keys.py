"""API keys of the systems that file cases without a login (12345 hotline, Open311 clients): stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from django.utils.translation import gettext as _

from geo_governance.errors import GeoGovError
from incidents.models import ApiClient


class Unauthorized(GeoGovError):
    status_code = 401


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(name: str, channel: str, area_code: str = "") -> tuple[ApiClient, str]:
    """A new client and its token (shown once: only the digest is kept)."""
    token = secrets.token_urlsafe(32)
    return ApiClient.objects.create(name=name, channel=channel, area_code=area_code, token_hash=digest(token)), token


def client_for(token: str | None, channel: str) -> ApiClient:
    """The active client of this channel holding this token, else 401."""
    client = ApiClient.objects.filter(token_hash=digest(token), channel=channel, active=True).first() if token else None
    if client is None:
        raise Unauthorized(_("接口令牌无效或已停用 / the API key is missing, unknown or disabled"), field="api_key")
    return client


def bearer(request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
