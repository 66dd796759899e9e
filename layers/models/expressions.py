"""Small spatial SQL expressions the GeoDjango lookups lack, used by the assignment querysets."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import BooleanField, ExpressionWrapper, FloatField, Func, OuterRef, Value


def outer_geometry(field: str, geometry_field: type[models.GeometryField]) -> ExpressionWrapper:
    """OuterRef to a geometry column, typed so GeoDjango functions accept it (SRID 4326)."""
    return ExpressionWrapper(OuterRef(field), output_field=geometry_field(srid=4326))


class AsGeography(Func):
    """expr::geography, so distances are in metres on the spheroid."""

    template = "(%(expressions)s)::geography"
    output_field = models.GeometryField(geography=True)


def within_metres(a, b, metres: float) -> Func:
    """ST_DWithin(a::geography, b::geography, metres) as a boolean filter expression."""
    return Func(AsGeography(a), AsGeography(b), Value(metres), function="ST_DWithin", output_field=BooleanField())


def distance_metres(a, b) -> Func:
    return Func(AsGeography(a), AsGeography(b), function="ST_Distance", output_field=FloatField())


