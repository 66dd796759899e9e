"""IoT devices (smoke detectors and other sensors): signed ingestion, alarms as cases, coverage.

Device protocol (POST /iot/v1/events, no login; one JSON object per request, at most 4096 bytes):

    X-Device-Id: <Sensor.device_id>
    X-Timestamp: <Unix seconds, within 5 minutes of the server's clock>
    X-Nonce:     <8–64 of A–Z a–z 0–9 _ -, never reused by this device>
    X-Signature: hex(HMAC-SHA256(secret, timestamp + "\\n" + nonce + "\\n" + body))

    body: {"kind": "heartbeat" | "battery" | "alarm" | "test" | "false_alarm", "battery": 0–100, "reason": "…"}

Answers: 200/201 JSON; 400 malformed body (``field`` names it); 401 bad or missing signature, unknown
device (one message for these) or stale timestamp; 409 nonce already used (a retry of a request that
was received: treat as delivered). The secret comes from ``manage.py iot_keys issue <device_id>``
(printed once; see iot/keys.py for how the server keeps it), ``manage.py iot_send`` signs like a device.
"""
