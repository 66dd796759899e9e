"""manage.py simulate_alarm: put a smoke detector into alarm and open an urgent incident (demo, tests)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo_governance.errors import GeoGovError
from layers.models import Sensor
from layers.models.sensors import SensorKind, SensorStatus
from live.alarms import raise_alarm


def pick_sensor(device_id: str | None, area: str) -> Sensor:
    """The named sensor, else the first smoke detector not in alarm whose grid code starts with area."""
    sensors = Sensor.objects.select_related("building", "grid")
    if device_id:
        try:
            return sensors.get(device_id=device_id)
        except Sensor.DoesNotExist:
            raise CommandError(f"unknown sensor {device_id!r} (no device with that device_id)") from None
    candidate = (sensors.for_prefix(area).filter(kind=SensorKind.SMOKE).exclude(status=SensorStatus.ALARM)
                 .order_by("device_id").first())
    if candidate is None:
        raise CommandError(f"no smoke detector outside alarm in area {area!r}; pass --sensor")
    return candidate


class Command(BaseCommand):
    help = "Raise a smoke alarm: sensor → alarm, a SensorEvent and an urgent IoT incident, in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sensor", help="device_id of a smoke detector (default: the first one not in alarm)")
        parser.add_argument("--user-area", default="", metavar="PREFIX",
                            help="pick the sensor in this area (grid code prefix, e.g. a town code 420102001)")

    def handle(self, *args, sensor: str | None, user_area: str, **options) -> None:
        device = pick_sensor(sensor, user_area)
        try:
            incident = raise_alarm(device)
        except GeoGovError as exc:
            raise CommandError(exc.message) from None
        grid = incident.grid.code if incident.grid else "-"
        building = incident.building.code if incident.building else "-"
        self.stdout.write(self.style.SUCCESS(
            f"alarm: sensor {device.device_id} → incident {incident.code} (grid {grid}, building {building})"))
