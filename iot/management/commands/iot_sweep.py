"""manage.py iot_sweep: mark silent devices offline, close alarm cases the workflow finished, expire nonces."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from iot.sweep import sweep


class Command(BaseCommand):
    help = ("Mark devices silent for GEOGOV_IOT_OFFLINE_MINUTES offline (one UPDATE), close alarm cases whose "
            "incident was closed by the workflow, forget nonces older than the replay window. Run it every few "
            "minutes (cron/systemd timer).")

    def handle(self, *args, **options) -> None:
        counts = sweep()
        self.stdout.write(f"offline: {counts['offline']} (silent > {settings.GEOGOV_IOT_OFFLINE_MINUTES} min), "
                          f"alarm cases closed as handled: {counts['cases_closed']}, "
                          f"nonces expired: {counts['nonces_expired']}")
