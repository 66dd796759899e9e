"""Area scoping: every queryset is cut down to the requesting user's area, default deny.

An area is a code prefix. Division codes are hierarchical (2+2+2+3+3 digits) and a grid code
starts with its village's code, so "inside the area" is one ``startswith`` on an indexed code.
Each model names the path from itself to the code that decides (``area_path``).
"""

from __future__ import annotations

from django.contrib.gis.db import models

UNKNOWN = object()


def area_prefix(user) -> str | None:
    """The code prefix a user may see: '' for everything, None for nothing (remembered per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ""
    prefix = getattr(user, "_geogov_area_prefix", UNKNOWN)  # request.user may be a lazy proxy: no __dict__ test
    if prefix is UNKNOWN:
        from layers.models.access import Profile  # access imports the models that import this module

        prefix = user._geogov_area_prefix = Profile.objects.area_prefix_of(user.pk)
    return prefix


class AreaScopedQuerySet(models.QuerySet):
    """QuerySet with ``for_user``; subclasses set ``area_path`` to a code field lookup."""

    area_path: str = "code"

    def for_user(self, user) -> AreaScopedQuerySet:
        prefix = area_prefix(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self.all()
        return self.filter(**{f"{self.area_path}__startswith": prefix})

    def for_prefix(self, prefix: str) -> AreaScopedQuerySet:
        return self.filter(**{f"{self.area_path}__startswith": prefix})
