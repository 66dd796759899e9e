"""manage.py iot_keys issue|rotate <device_id>…|--all-missing|--all: print each new secret once."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from iot import keys
from layers.models.sensors import Sensor

ACTIONS = ("issue", "rotate")


class Command(BaseCommand):
    help = ("Issue (devices without a key) or rotate device signing secrets. Each secret is printed once as "
            "'<device_id>\\t<secret>' on standard output and never stored: copy it into the device now.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("device_ids", nargs="*", metavar="device_id")
        parser.add_argument("--all-missing", action="store_true", help="issue: every device without a key")
        parser.add_argument("--all", action="store_true", help="rotate: every device with a key")
        parser.add_argument("--grace-hours", type=float, default=24.0,
                            help="rotate: hours the previous secret keeps verifying (default 24; 0 = none)")

    def devices(self, action: str, device_ids: list[str], all_missing: bool, every: bool) -> QuerySet:
        if sum((bool(device_ids), all_missing, every)) != 1:
            raise CommandError("give device ids, or --all-missing (issue), or --all (rotate)")
        if all_missing and action != "issue" or every and action != "rotate":
            raise CommandError("--all-missing goes with issue, --all with rotate")
        if all_missing:
            return Sensor.objects.filter(iot_key__isnull=True)
        if every:
            return Sensor.objects.filter(iot_key__isnull=False)
        found = Sensor.objects.filter(device_id__in=device_ids)
        missing = sorted(set(device_ids) - set(found.values_list("device_id", flat=True)))
        if missing:
            raise CommandError(f"unknown device(s): {', '.join(missing)}")
        if action == "issue" and found.filter(iot_key__isnull=False).exists():
            had = ", ".join(found.filter(iot_key__isnull=False).values_list("device_id", flat=True))
            raise CommandError(f"already have a key (use rotate): {had}")
        return found

    def handle(self, *args, action: str, device_ids: list[str], all_missing: bool, all: bool, grace_hours: float,
               **options) -> None:
        if grace_hours < 0:
            raise CommandError("--grace-hours must be 0 or more")
        grace = dt.timedelta(hours=grace_hours)
        count = 0
        for sensor in self.devices(action, device_ids, all_missing, all).order_by("device_id").iterator():
            secret = keys.issue(sensor) if action == "issue" else keys.rotate(sensor, grace)
            self.stdout.write(f"{sensor.device_id}\t{secret}")
            count += 1
        self.stderr.write(f"{action}: {count} device secret(s) printed once; store them in the devices now")
