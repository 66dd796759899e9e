"""manage.py iot_send <device_id> <kind>: sign and POST one event to a running server (manual tests)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iot import keys, signing
from iot.events import HANDLERS
from layers.models.sensors import Sensor


class Command(BaseCommand):
    help = ("Sign an event as the device would (HMAC-SHA256 over timestamp, nonce and body) and POST it to "
            "<url>/iot/v1/events. Without --secret the server's own key store is used.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("device_id")
        parser.add_argument("kind", choices=list(HANDLERS))
        parser.add_argument("--battery", type=int, help="battery percentage 0–100")
        parser.add_argument("--reason", help="short text (alarm cause, why false)")
        parser.add_argument("--secret", help="the device secret (default: recomputed from the key store)")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL (loopback by default)")
        parser.add_argument("--nonce", help="reuse this nonce (to see a replay refused)")

    def handle(self, *args, device_id: str, kind: str, battery: int | None, reason: str | None,
               secret: str | None, url: str, nonce: str | None, **options) -> None:
        if secret is None:
            sensor = Sensor.objects.filter(device_id=device_id).first()
            secret = keys.current_secret(sensor) if sensor else None
            if secret is None:
                raise CommandError(f"no key for device {device_id!r}: run manage.py iot_keys issue {device_id}")
        body = json.dumps({"kind": kind, **({"battery": battery} if battery is not None else {}),
                           **({"reason": reason} if reason else {})}).encode()
        headers = {"Content-Type": "application/json", **signing.signed_headers(device_id, secret, body, nonce=nonce)}
        request = urllib.request.Request(f"{url.rstrip('/')}/iot/v1/events", data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, answer = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, exc.read().decode()
        except urllib.error.URLError as exc:
            raise CommandError(f"cannot reach {url}: {exc.reason}") from None
        self.stdout.write(f"{status} {answer}  (nonce {headers['X-Nonce']})")
