"""manage.py propose_grids <village-or-grid-code> [--seed N] [--json out]: the proposals core from the shell."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_governance.errors import GeoGovError
from planning.context import find_parent
from planning.proposals import propose


@dataclass(frozen=True)
class Shell:
    """Whoever runs manage.py may see the whole area (as an admin would)."""

    is_authenticated: bool = True
    is_superuser: bool = True
    pk: None = None


class Command(BaseCommand):
    help = "Propose a grid layout for a village (level-1 grids) or one leaf grid (its sub-grids)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code", help="12-digit village code or a leaf grid's code")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", dest="json_path", help="write the whole response (replace op) here")

    def handle(self, *args, code: str, seed: int, json_path: str | None, **options) -> None:
        try:
            result = propose(find_parent(code, Shell()), seed)
        except GeoGovError as exc:
            raise CommandError(exc.message) from exc
        q = result["quality"]
        self.stdout.write(
            f"{code}: {q['grids']} grids in {result['seconds']:.2f} s; within bounds {q['within_bounds_share']:.0%}, "
            f"Polsby-Popper mean {q['polsby_popper_mean']:.2f} min {q['polsby_popper_min']:.2f}, households "
            f"{q['households_min']}–{q['households_max']} (CV {q['households_cv']:.2f}), contiguous "
            f"{q['contiguous']}, buildings split {q['buildings_split']}, problems {len(result['problems'])}")
        if json_path:
            Path(json_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            self.stdout.write(f"JSON: {json_path}")
