"""manage.py supervise_incidents: raise 督办 on cases near or past their deadline (run it from cron)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents.supervision import raise_supervision


def parse_at(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--at 须为 ISO 时间，如 2026-02-24T09:00 / --at must be ISO 8601: {value}") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Raise supervision (督办) on open incidents near or past their deadline; idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--at", type=parse_at, default=None,
                            help="the moment to judge deadlines against (default: now), ISO 8601")

    def handle(self, *args, at: dt.datetime | None = None, **options) -> None:
        raised = raise_supervision(at)
        self.stdout.write(f"督办 {len(raised)} 件 / supervised {len(raised)} incident(s)")
