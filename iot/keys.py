"""Device secrets: issued once, never stored, recomputed by the server to verify a signature.

    secret = hex(HMAC-SHA256(GEOGOV_IOT_MASTER_KEY, "geogov-iot-device\\0" + device_id + "\\0" + salt))

The salt is 16 random bytes kept in ``DeviceKey``; the master key lives only in the server's settings.
A database dump therefore reveals no secret, while the server can still verify HMACs (which need the
raw secret). Rotation draws a new salt; the previous one keeps verifying for a grace period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iot.models import DeviceKey
from layers.models.sensors import Sensor

DOMAIN = b"geogov-iot-device\x00"
SALT_BYTES = 16
DEFAULT_GRACE = dt.timedelta(hours=24)


def derive(device_id: str, salt: str) -> str:
    """The secret of this device for this salt (64 hex characters)."""
    message = DOMAIN + device_id.encode() + b"\x00" + salt.encode()
    return hmac.new(settings.GEOGOV_IOT_MASTER_KEY.encode(), message, hashlib.sha256).hexdigest()


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def issue(sensor: Sensor) -> str:
    """Give a device without a key its first one; returns the secret (shown once)."""
    salt = new_salt()
    secret = derive(sensor.device_id, salt)
    DeviceKey.objects.create(sensor=sensor, salt=salt, fingerprint=fingerprint(secret))
    return secret


@transaction.atomic
def rotate(sensor: Sensor, grace: dt.timedelta = DEFAULT_GRACE) -> str:
    """A new secret for a device (a first one if it had none); the old one verifies for ``grace`` more."""
    key = DeviceKey.objects.select_for_update().filter(sensor=sensor).first()
    if key is None:
        return issue(sensor)
    salt = new_salt()
    secret = derive(sensor.device_id, salt)
    key.previous_salt, key.previous_valid_until = key.salt, timezone.now() + grace
    key.salt, key.fingerprint, key.issued_at = salt, fingerprint(secret), timezone.now()
    key.save()
    return secret


def candidate_secrets(key: DeviceKey, now: dt.datetime) -> Iterator[str]:
    """The secrets a signature from this device may use now: the current one, then the previous in its grace."""
    yield derive(key.sensor.device_id, key.salt)
    if key.previous_salt and key.previous_valid_until and key.previous_valid_until > now:
        yield derive(key.sensor.device_id, key.previous_salt)


def current_secret(sensor: Sensor) -> str | None:
    """The device's secret, for the server's own tools (manage.py iot_send); None without a key."""
    key = DeviceKey.objects.filter(sensor=sensor).first()
    return derive(sensor.device_id, key.salt) if key else None
