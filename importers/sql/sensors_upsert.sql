-- Sensors and cameras from the staging table into layers_sensor, keyed by device id. A row with a
-- building code gets that building here; the others are placed spatially by sensors_link.sql.
-- Existing devices are updated only where a value differs (status, battery, installed_at and the
-- building only when the file has those columns and, for the building, a code in the row);
-- re-importing the same file writes nothing. Returns one row per device written: id, device id,
-- and whether it was inserted.
INSERT INTO layers_sensor AS d (device_id, kind, location, building_id, status, installed_at, battery)
SELECT s.device_id, s.kind, s.geom, b.id, coalesce(s.status, 'online'), s.installed_at, s.battery
FROM import_rows s LEFT JOIN layers_building b ON b.code = s.building_code
ORDER BY s.row_no
ON CONFLICT (device_id) DO UPDATE SET
  kind = EXCLUDED.kind,
  location = EXCLUDED.location,
  building_id = coalesce(EXCLUDED.building_id, d.building_id),
  status = CASE WHEN %(has_status)s THEN EXCLUDED.status ELSE d.status END,
  installed_at = CASE WHEN %(has_installed_at)s THEN EXCLUDED.installed_at ELSE d.installed_at END,
  battery = CASE WHEN %(has_battery)s THEN EXCLUDED.battery ELSE d.battery END
WHERE d.kind IS DISTINCT FROM EXCLUDED.kind
   OR d.location IS DISTINCT FROM EXCLUDED.location
   OR (EXCLUDED.building_id IS NOT NULL AND d.building_id IS DISTINCT FROM EXCLUDED.building_id)
   OR (%(has_status)s AND d.status IS DISTINCT FROM EXCLUDED.status)
   OR (%(has_installed_at)s AND d.installed_at IS DISTINCT FROM EXCLUDED.installed_at)
   OR (%(has_battery)s AND d.battery IS DISTINCT FROM EXCLUDED.battery)
RETURNING d.id, d.device_id, (xmax = 0) AS inserted
