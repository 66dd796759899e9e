"""Stored Web-Mercator (EPSG:3857) copies of geometry columns, read by the vector tiles.

Tiles are cut in Web Mercator. Transforming every feature on every tile request costs more than
the rest of the tile SQL; a generated column computed once per write (``ST_Transform(geom, 3857)``,
``GENERATED ALWAYS … STORED``) with its own GiST index lets the tile SQL prefilter with
``geom_3857 && ST_TileEnvelope(…)`` and hand the stored geometry straight to ``ST_AsMVTGeom``.
Generated columns are never written by the application: leave them out of INSERT/COPY column lists.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.utils.translation import gettext_lazy as _

WEB_MERCATOR = 3857


def web_mercator_copy(source: str, geometry_field: type[models.GeometryField]) -> models.GeneratedField:
    """GeneratedField holding ``source`` transformed to EPSG:3857, stored (db_persist)."""
    return models.GeneratedField(expression=Transform(source, WEB_MERCATOR),
                                 output_field=geometry_field(srid=WEB_MERCATOR), db_persist=True,
                                 verbose_name=_("Web墨卡托副本"))


def gist_index(field: str, name: str) -> GistIndex:
    """The GiST index of a stored copy (GeneratedField gets no automatic spatial index)."""
    return GistIndex(fields=[field], name=name)
