"""manage.py iot_coverage [--area PREFIX] [--list]: elderly-alone households without a working detector, by grid."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from iot.coverage import coverage


class Command(BaseCommand):
    help = "Coverage of elderly-alone households by working smoke detectors, per grid (see iot/sql/coverage.sql)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", default="", metavar="PREFIX", help="grid code prefix (e.g. a town code)")
        parser.add_argument("--list", action="store_true", help="also list the uncovered households")

    def handle(self, *args, area: str, list: bool, **options) -> None:
        report = coverage(area)
        self.stdout.write("grid\thouseholds\tcovered\tuncovered\tno_detector\tdetector_offline\tname")
        for grid in report["grids"]:
            self.stdout.write(f"{grid['grid_code'] or '-'}\t{grid['households']}\t{grid['covered']}\t"
                              f"{grid['uncovered']}\t{grid['no_detector']}\t{grid['detector_offline']}\t"
                              f"{grid['grid_name'] or ''}")
            for household in grid["uncovered_households"] if list else ():
                self.stdout.write(f"  {household['household']}\t{household['address']}\t{household['state']}")
        totals = report["totals"]
        self.stdout.write(f"total\t{totals['households']}\t{totals['covered']}\t{totals['uncovered']}\t"
                          f"{totals['no_detector']}\t{totals['detector_offline']}")
