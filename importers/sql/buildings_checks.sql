-- Set-based checks of staged buildings; each row returned rejects that staged row
-- (row_no, field, value, reason).
-- 1. Outside the importing user's area (the area parameter is a code prefix; '' means everywhere): a
--    building must overlap a leaf grid of that area.
SELECT s.row_no, 'geometry', '', '不在您的管辖区域内 / outside your area'
FROM import_rows s
WHERE %(area)s <> ''
  AND NOT EXISTS (SELECT 1 FROM layers_grid g
                  WHERE g.code LIKE %(area)s || '%%' AND g.boundary && s.geom AND ST_Intersects(g.boundary, s.geom))
UNION ALL
-- 2. A code that an existing building outside the user's area already has: updating it would
--    reach across the area boundary.
SELECT s.row_no, 'code', s.code, '编码已被辖区外的楼栋使用 / the code belongs to a building outside your area'
FROM import_rows s JOIN layers_building b ON b.code = s.code
LEFT JOIN layers_grid g ON g.id = b.grid_id
WHERE %(area)s <> '' AND (g.code IS NULL OR g.code NOT LIKE %(area)s || '%%')
