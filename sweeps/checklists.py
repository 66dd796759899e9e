"""The shipped checklist templates (data/checklists.json), loaded into ChecklistItem rows editable in the admin."""

from __future__ import annotations

import json
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent / "data" / "checklists.json"


def shipped() -> list[dict]:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def load(model) -> int:
    """Add the shipped lines missing by (level, position); edited lines are left as they are."""
    created = [model.objects.get_or_create(level=row["level"], position=row["position"], defaults=row)[1]
               for row in shipped()]
    return sum(created)
