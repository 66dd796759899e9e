"""Personal data in API answers: masked always, revealed in full only to roles that may, audited."""

from __future__ import annotations

from django.http import HttpRequest

from layers.idnumber import mask_id_number, mask_phone
from layers.models import Resident, RevealAudit

REVEALED_FIELDS = ("id_number", "phone")

__all__ = ["REVEALED_FIELDS", "mask_id_number", "mask_phone", "may_reveal", "record_reveal"]


def may_reveal(user) -> bool:
    """Superusers and roles listed in MAY_REVEAL; users without a profile never."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "profile", None)
    return bool(profile and profile.may_reveal)


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. X-Forwarded-For is not trusted: no proxy is configured to set it."""
    return request.META.get("REMOTE_ADDR") or None


def record_reveal(request: HttpRequest, resident: Resident, reason: str) -> RevealAudit:
    return RevealAudit.objects.create(
        user=request.user, resident=resident, fields=",".join(REVEALED_FIELDS),
        reason=reason, ip=client_ip(request),
    )
