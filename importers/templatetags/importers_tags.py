"""Template filters of the upload page and the map header (the link to /import/)."""

from django import template

from importers import views

register = template.Library()


@register.filter
def may_import(user) -> bool:
    return views.may_import(user)
