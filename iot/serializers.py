"""IoT API serializers: notifications, the responders' list (masked), and the answers of figures and coverage."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from iot.models import Notification
from layers.api.serializers import ResidentListSerializer, WorkerSerializer
from layers.models.people import Resident
from layers.models.sensors import Sensor


class NotificationSerializer(serializers.ModelSerializer):
    incident_code = serializers.CharField(source="incident.code", read_only=True, allow_null=True, default=None)
    device_id = serializers.CharField(source="sensor.device_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "incident", "incident_code", "device_id", "created_at", "read_at")


class DeviceSerializer(serializers.ModelSerializer):
    """A device as maintenance sees it: where, whether it reports, its battery, which key it holds."""

    grid_code = serializers.CharField(source="grid.code", read_only=True, allow_null=True, default=None)
    building_code = serializers.CharField(source="building.code", read_only=True, allow_null=True, default=None)
    household_code = serializers.CharField(source="household.code", read_only=True, allow_null=True, default=None)
    low_battery = serializers.SerializerMethodField()
    key_fingerprint = serializers.CharField(source="iot_key.fingerprint", read_only=True, allow_null=True,
                                            default=None)

    class Meta:
        model = Sensor
        fields = ("id", "device_id", "kind", "status", "battery", "low_battery", "last_heartbeat", "grid_code",
                  "building_code", "household_code", "key_fingerprint")

    def get_low_battery(self, sensor: Sensor) -> bool:
        return sensor.battery is not None and sensor.battery < settings.GEOGOV_IOT_LOW_BATTERY


class ResponderResidentSerializer(ResidentListSerializer):
    """A vulnerable resident for responders: where exactly, which care tags; ID number and phone masked."""

    unit = serializers.IntegerField(source="household.unit.number", read_only=True, allow_null=True, default=None)
    floor = serializers.IntegerField(source="household.floor", read_only=True)
    room = serializers.CharField(source="household.room", read_only=True)

    class Meta(ResidentListSerializer.Meta):
        model = Resident
        fields = ("id", "name", "sex", "age", "care_tags", "household_code", "building_code", "unit", "floor",
                  "room", "id_number_masked", "phone_masked")


class RespondersSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    incident_code = serializers.CharField()
    status = serializers.CharField()
    device_id = serializers.CharField()
    building_code = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    residents = ResponderResidentSerializer(many=True)
    grid_workers = WorkerSerializer(many=True)


class CloseRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class AlarmCaseSerializer(serializers.Serializer):
    incident = serializers.IntegerField(source="incident_id")
    outcome = serializers.CharField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    repeats = serializers.IntegerField()


class FigureRowSerializer(serializers.Serializer):
    grid_code = serializers.CharField(allow_null=True)
    grid_name = serializers.CharField(allow_null=True)
    alarms = serializers.IntegerField()
    test = serializers.IntegerField()
    false = serializers.IntegerField()
    real = serializers.IntegerField()
    open = serializers.IntegerField()
    repeats = serializers.IntegerField()
    devices = serializers.IntegerField()
    online = serializers.IntegerField()
    offline = serializers.IntegerField()
    in_alarm = serializers.IntegerField()
    low_battery = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer):
    totals = serializers.DictField(child=serializers.IntegerField())
    grids = FigureRowSerializer(many=True)
    low_battery_threshold = serializers.IntegerField()


class UncoveredSerializer(serializers.Serializer):
    household = serializers.CharField()
    building = serializers.CharField()
    address = serializers.CharField()
    floor = serializers.IntegerField()
    room = serializers.CharField()
    elderly_alone = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["none", "offline"])


class CoverageRowSerializer(serializers.Serializer):
    grid_code = serializers.CharField(allow_null=True)
    grid_name = serializers.CharField(allow_null=True)
    households = serializers.IntegerField()
    covered = serializers.IntegerField()
    uncovered = serializers.IntegerField()
    no_detector = serializers.IntegerField()
    detector_offline = serializers.IntegerField()
    uncovered_households = UncoveredSerializer(many=True)


class CoverageSerializer(serializers.Serializer):
    totals = serializers.DictField(child=serializers.IntegerField())
    grids = CoverageRowSerializer(many=True)
