"""{% basemap_settings as basemap %}: the configured basemap (kind, datum) for the map page's panel."""

from django import template
from django.conf import settings

from geo_governance.config import Basemap

register = template.Library()


@register.simple_tag
def basemap_settings() -> Basemap:
    return settings.BASEMAP
