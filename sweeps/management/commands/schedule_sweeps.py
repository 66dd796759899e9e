"""manage.py schedule_sweeps [--at YYYY-MM-DD]: create the sweep rounds due for the period holding that day."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sweeps.scheduling import schedule


def day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式须为 YYYY-MM-DD / the date must be YYYY-MM-DD: {text}") from None


class Command(BaseCommand):
    help = "创建到期的排查轮次（村每周、镇每两周、县每月） / create the due sweep rounds"

    def add_arguments(self, parser):
        parser.add_argument("--at", type=day, help="the day whose periods are scheduled (default: today)")

    def handle(self, *args, at: dt.date | None = None, **options):
        for row in schedule(at or timezone.localdate()):
            self.stdout.write(f"{row.level}\t{row.period_start}..{row.period_end}\t"
                              f"rounds +{row.rounds}\titems +{row.items}")
