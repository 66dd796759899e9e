"""Request signatures: HMAC-SHA256 over ``timestamp + "\\n" + nonce + "\\n" + body``, hex in X-Signature.

Headers: X-Device-Id, X-Timestamp (Unix seconds), X-Nonce (8–64 of A–Z a–z 0–9 _ -), X-Signature.
Checks, in this order: headers present and well formed (401), timestamp within the window (401,
its own message: a device with a drifting clock must be told), device known and signature right
(401 with one message for both, so a caller learns nothing about which device ids exist), nonce
unused (409: a replay). Every comparison of a signature is constant-time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import pgettext

from geo_governance.errors import Conflict, GeoGovError
from iot import keys, sql
from iot.models import DeviceKey, Nonce
from layers.models.sensors import Sensor

WINDOW = dt.timedelta(minutes=5)
NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
DEVICE_ID = re.compile(r"[\w.:-]{1,64}")
TIMESTAMP = re.compile(r"\d{1,11}")  # Unix seconds; 11 digits reach the year 5138, no overflow
HEADERS = {"device": "HTTP_X_DEVICE_ID", "timestamp": "HTTP_X_TIMESTAMP", "nonce": "HTTP_X_NONCE",
           "signature": "HTTP_X_SIGNATURE"}


class Unauthorized(GeoGovError):
    status_code = 401


def bad_signature() -> Unauthorized:
    """The one answer for an unknown device, a missing or a wrong signature."""
    return Unauthorized(pgettext("iot", "签名无效或设备未登记 / invalid signature or unregistered device"))


def message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(secret.encode(), message(timestamp, nonce, body), hashlib.sha256).hexdigest()


def signed_headers(device_id: str, secret: str, body: bytes, *, at: dt.datetime | None = None,
                   nonce: str | None = None) -> dict[str, str]:
    """The four headers a device sends (for iot_send and the tests)."""
    timestamp = str(int((at or timezone.now()).timestamp()))
    nonce = nonce or secrets.token_urlsafe(16)
    return {"X-Device-Id": device_id, "X-Timestamp": timestamp, "X-Nonce": nonce,
            "X-Signature": sign(secret, timestamp, nonce, body)}


@dataclass(frozen=True)
class Signed:
    sensor: Sensor
    nonce: str
    signed_at: dt.datetime


def read_headers(request: HttpRequest) -> dict[str, str]:
    values = {name: request.META.get(header, "").strip() for name, header in HEADERS.items()}
    well_formed = (DEVICE_ID.fullmatch(values["device"]) and TIMESTAMP.fullmatch(values["timestamp"])
                   and NONCE.fullmatch(values["nonce"]) and re.fullmatch(r"[0-9a-fA-F]{64}", values["signature"]))
    if not well_formed:
        raise bad_signature()
    return values


def check_fresh(timestamp: str, now: dt.datetime) -> dt.datetime:
    signed_at = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs(now - signed_at) > WINDOW:
        raise Unauthorized(pgettext("iot", "时间戳超出允许范围（前后5分钟），请校准设备时钟 / "
                                           "timestamp outside the 5-minute window: check the device clock"))
    return signed_at


def verify(request: HttpRequest, now: dt.datetime | None = None) -> Signed:
    """The signing device of a request, or Unauthorized. Does not record the nonce (see ``use_nonce``)."""
    now = now or timezone.now()
    values = read_headers(request)
    signed_at = check_fresh(values["timestamp"], now)
    key = DeviceKey.objects.select_related("sensor").filter(sensor__device_id=values["device"]).first()
    # an unknown device still costs one HMAC, against a throwaway secret
    secrets_to_try = list(keys.candidate_secrets(key, now)) if key else [secrets.token_hex(32)]
    expected = message(values["timestamp"], values["nonce"], request.body)
    given = values["signature"].lower().encode()
    matched = False
    for secret in secrets_to_try:
        digest = hmac.new(secret.encode(), expected, hashlib.sha256).hexdigest().encode()
        matched |= hmac.compare_digest(digest, given)
    if key is None or not matched:
        raise bad_signature()
    return Signed(key.sensor, values["nonce"], signed_at)


def use_nonce(signed: Signed) -> None:
    """Record the nonce (call inside the request's transaction); a second use is a replay → 409."""
    with connection.cursor() as cursor:
        cursor.execute(sql.load("use_nonce"), {"sensor": signed.sensor.pk, "nonce": signed.nonce,
                                               "signed_at": signed.signed_at})
        if cursor.fetchone() is None:
            raise Conflict(pgettext("iot", "重复的请求（随机数已使用） / replayed request (nonce already used)"),
                           field="nonce")


def expire_nonces(now: dt.datetime | None = None) -> int:
    """Forget nonces whose signed time has left the window: a replay of them is refused as stale anyway."""
    deleted, _ = Nonce.objects.filter(signed_at__lt=(now or timezone.now()) - WINDOW).delete()
    return deleted
