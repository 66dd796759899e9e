-- Set-based checks of staged residents; each row returned rejects that staged row
-- (row_no, field, value, reason). The ID number's checksum and its agreement with birth date and
-- sex are checked before staging (fields.id_number, kinds.resident_checks).
-- 1. A household code no household has.
-- 2. The household is outside the importing user's area (its building's grid code must start with
--    the area parameter, '' means everywhere), or the ID number belongs to a resident of a household
--    outside it (updating that resident would reach across the area boundary).
SELECT s.row_no, 'household_code', s.household_code, '房屋编码不存在 / unknown household code'
FROM import_rows s
WHERE NOT EXISTS (SELECT 1 FROM layers_household h WHERE h.code = s.household_code)
UNION ALL
SELECT s.row_no, 'household_code', s.household_code, '房屋不在您的管辖区域内 / the household is outside your area'
FROM import_rows s
JOIN layers_household h ON h.code = s.household_code
JOIN layers_building b ON b.id = h.building_id LEFT JOIN layers_grid g ON g.id = b.grid_id
WHERE %(area)s <> '' AND (g.code IS NULL OR g.code NOT LIKE %(area)s || '%%')
UNION ALL
SELECT s.row_no, 'id_number', left(s.id_number, 4) || '**********' || right(s.id_number, 4),
       '该身份证号已登记在辖区外的房屋 / this ID number is registered in a household outside your area'
FROM import_rows s
JOIN layers_resident r ON r.id_number = s.id_number
JOIN layers_household h ON h.id = r.household_id
JOIN layers_building b ON b.id = h.building_id LEFT JOIN layers_grid g ON g.id = b.grid_id
WHERE %(area)s <> '' AND (g.code IS NULL OR g.code NOT LIKE %(area)s || '%%')
