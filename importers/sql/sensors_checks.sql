-- Set-based checks of staged sensors and cameras (cameras stage kind = 'camera'); each row
-- returned rejects that staged row (row_no, field, value, reason).
-- 1. A building code no building has.
-- 2. Outside the importing user's area (the area parameter is a code prefix, '' means everywhere):
--    the point must lie in a grid of that area.
-- 3. A device id that a device outside the user's area already has.
SELECT s.row_no, 'building_code', s.building_code, '楼栋编码不存在 / unknown building code'
FROM import_rows s
WHERE s.building_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM layers_building b WHERE b.code = s.building_code)
UNION ALL
SELECT s.row_no, 'geometry', '', '不在您的管辖区域内 / outside your area'
FROM import_rows s
WHERE %(area)s <> ''
  AND NOT EXISTS (SELECT 1 FROM layers_grid g
                  WHERE g.code LIKE %(area)s || '%%' AND g.boundary && s.geom AND ST_Covers(g.boundary, s.geom))
UNION ALL
SELECT s.row_no, 'device_id', s.device_id, '编号已被辖区外的设备使用 / the device id belongs to a device outside your area'
FROM import_rows s JOIN layers_sensor d ON d.device_id = s.device_id
LEFT JOIN layers_grid g ON g.id = d.grid_id
WHERE %(area)s <> '' AND (g.code IS NULL OR g.code NOT LIKE %(area)s || '%%')
