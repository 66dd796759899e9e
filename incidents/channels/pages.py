"""The intake pages (login required like every page): grid-worker report, desk walk-in, web mailbox."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from incidents.channels.api import channels_of
from incidents.channels.photos import MAX_PHOTOS
from incidents.open311.services import SERVICES


@dataclass(frozen=True)
class Page:
    channel: str
    title: Promise
    photos: bool      # a camera/photo field (the grid worker on site)
    reporter: bool    # the resident's name and phone (desk and mailbox register someone else's matter)


PAGES = {
    "report": Page("grid_worker", pgettext_lazy("intake", "网格员上报"), photos=True, reporter=False),
    "desk": Page("walk_in", pgettext_lazy("intake", "来访登记"), photos=False, reporter=True),
    "mailbox": Page("web", pgettext_lazy("intake", "网上信箱登记"), photos=False, reporter=True),
}


def intake_page(request: HttpRequest, page: str) -> HttpResponse:
    spec = PAGES[page]
    if spec.channel not in channels_of(request.user):
        raise PermissionDenied
    categories = [(s.category, s.name) for s in SERVICES.values()]
    return render(request, "incidents/intake_form.html",
                  {"page": spec, "categories": categories, "max_photos": MAX_PHOTOS})
