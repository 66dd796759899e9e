"""Contender (3): GeoDjango's ``LayerMapping`` into the Building model, the usual Django way.

It saves one model instance at a time, so it runs on a sample of the file (its first features).
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.gis.utils import LayerMapping

from layers.models import Building

MAPPING = {"code": "code", "address": "address", "name": "name", "floors": "floors", "height": "height",
           "use": "use", "year_built": "year_built", "footprint": "MULTIPOLYGON"}


def load(path: Path) -> float:
    """Seconds LayerMapping takes to save every feature of the file (strict: any error stops it)."""
    start = time.perf_counter()
    mapper = LayerMapping(Building, str(path), MAPPING, transform=False, encoding="utf-8")
    mapper.save(strict=True, silent=True)
    return time.perf_counter() - start
