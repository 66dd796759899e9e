-- Record a device's nonce once. The unique key (sensor_id, nonce) decides: a row back means the
-- nonce was new; no row means it was used before (a replay), even under concurrent requests, where
-- the second insert waits for the first transaction and then does nothing.
INSERT INTO iot_nonce (sensor_id, nonce, signed_at)
VALUES (%(sensor)s, %(nonce)s, %(signed_at)s)
ON CONFLICT (sensor_id, nonce) DO NOTHING
RETURNING id
