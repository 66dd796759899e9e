"""Operator pages. /map/ is a placeholder until the command-centre map lands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def area_name(user) -> str:
    """The name of the area a user works in, for the page header."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return _("全部辖区") if user.is_superuser else _("未分配辖区")
    area = profile.grid or profile.division
    return area.name if area is not None else _("全部辖区")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "gridmap/index.html", {"area_name": area_name(request.user)})
