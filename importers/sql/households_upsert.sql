-- Households from the staging table into layers_household, keyed by code, set-based.
-- 1. Each staged row's building, by building_code, else by its exact address (households_checks.sql
--    has refused rows where neither finds exactly one building), and each household's grid before
--    the import (import_old_grids), so grids a household leaves get recounted too.
-- 2. Units from (building, unit number), created when missing (INSERT … ON CONFLICT DO NOTHING).
-- 3. The households: new codes inserted (tier green unless given), existing ones updated only where
--    a value differs (unit and tier only when the file has those columns); re-importing the same
--    file writes nothing. Returns one row per household written: id, code, and whether it was inserted.
ALTER TABLE import_rows ADD COLUMN building_id bigint;

UPDATE import_rows s SET building_id = b.id FROM layers_building b WHERE b.code = s.building_code;

UPDATE import_rows s SET building_id = b.id
FROM layers_building b
WHERE s.building_code IS NULL AND b.address = s.building_address;

DROP TABLE IF EXISTS import_old_grids;

CREATE TEMP TABLE import_old_grids ON COMMIT DROP AS
SELECT h.id, b.grid_id
FROM import_rows s JOIN layers_household h ON h.code = s.code JOIN layers_building b ON b.id = h.building_id;

INSERT INTO layers_unit (building_id, number)
SELECT DISTINCT building_id, unit FROM import_rows WHERE unit IS NOT NULL
ON CONFLICT (building_id, number) DO NOTHING;

INSERT INTO layers_household AS h (code, building_id, unit_id, floor, room, tier)
SELECT s.code, s.building_id, u.id, s.floor, s.room, coalesce(s.tier, 'green')
FROM import_rows s LEFT JOIN layers_unit u ON u.building_id = s.building_id AND u.number = s.unit
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET
  building_id = EXCLUDED.building_id,
  unit_id = CASE WHEN %(has_unit)s THEN EXCLUDED.unit_id ELSE h.unit_id END,
  floor = EXCLUDED.floor,
  room = EXCLUDED.room,
  tier = CASE WHEN %(has_tier)s THEN EXCLUDED.tier ELSE h.tier END
WHERE h.building_id IS DISTINCT FROM EXCLUDED.building_id
   OR h.floor IS DISTINCT FROM EXCLUDED.floor
   OR h.room IS DISTINCT FROM EXCLUDED.room
   OR (%(has_unit)s AND h.unit_id IS DISTINCT FROM EXCLUDED.unit_id)
   OR (%(has_tier)s AND h.tier IS DISTINCT FROM EXCLUDED.tier)
RETURNING h.id, h.code, (xmax = 0) AS inserted
