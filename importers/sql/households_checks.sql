-- Set-based checks of staged households (units/households); each row returned rejects that staged
-- row (row_no, field, value, reason). A household finds its building by building_code, else by
-- building_address (the exact stored address).
-- 1. A building code no building has (units that reference unknown buildings).
-- 2. No building code and an address no building has, or that several buildings share.
-- 3. Neither a building code nor an address.
-- 4. The building is outside the importing user's area (its grid's code must start with the
--    area parameter, '' means everywhere), or the household code already belongs to a household in
--    a building outside it (updating it would reach across the area boundary).
-- 5. Another household (another code) already has that building, unit and room (the unique key
--    household_room_unique) in the database, or else an earlier row of this file has them.
WITH by_address AS (
  SELECT s.row_no, count(b.id) AS found, min(b.id) AS building_id
  FROM import_rows s LEFT JOIN layers_building b ON b.address = s.building_address
  WHERE s.building_code IS NULL AND s.building_address IS NOT NULL
  GROUP BY s.row_no
), resolved AS (
  SELECT s.row_no, s.code, s.unit, s.room, coalesce(bc.id, ba.building_id) AS building_id
  FROM import_rows s
  LEFT JOIN layers_building bc ON bc.code = s.building_code
  LEFT JOIN by_address ba ON ba.row_no = s.row_no AND ba.found = 1
), room_taken AS (  -- rows whose building, unit and room another household already has
  SELECT DISTINCT ON (r.row_no) r.row_no, r.room, h.code AS holder
  FROM resolved r
  JOIN layers_household h ON h.building_id = r.building_id AND h.room = r.room AND h.code <> r.code
  LEFT JOIN layers_unit u ON u.id = h.unit_id
  WHERE u.number IS NOT DISTINCT FROM r.unit
  ORDER BY r.row_no, h.code
), problems AS (
  SELECT s.row_no, 'building_code' AS field, s.building_code AS value,
         '楼栋编码不存在（房屋引用了未知楼栋） / unknown building code (units that reference unknown buildings)'
           AS reason
  FROM import_rows s
  WHERE s.building_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM layers_building b WHERE b.code = s.building_code)
  UNION ALL
  SELECT ba.row_no, 'building_address', s.building_address,
         CASE WHEN ba.found = 0 THEN '没有楼栋的地址为该地址 / no building has this address'
              ELSE '该地址对应 ' || ba.found || ' 个楼栋，请改用楼栋编码 / ' || ba.found
                   || ' buildings have this address: give the building code' END
  FROM by_address ba JOIN import_rows s ON s.row_no = ba.row_no
  WHERE ba.found <> 1
  UNION ALL
  SELECT s.row_no, 'building_code', '', '缺少楼栋编码或楼栋地址 / neither a building code nor an address'
  FROM import_rows s WHERE s.building_code IS NULL AND s.building_address IS NULL
  UNION ALL
  SELECT r.row_no, 'building_code', b.code, '楼栋不在您的管辖区域内 / the building is outside your area'
  FROM resolved r JOIN layers_building b ON b.id = r.building_id LEFT JOIN layers_grid g ON g.id = b.grid_id
  WHERE %(area)s <> '' AND (g.code IS NULL OR g.code NOT LIKE %(area)s || '%%')
  UNION ALL
  SELECT r.row_no, 'code', r.code, '编码已被辖区外的房屋使用 / the code belongs to a household outside your area'
  FROM resolved r JOIN layers_household h ON h.code = r.code
  JOIN layers_building b ON b.id = h.building_id LEFT JOIN layers_grid g ON g.id = b.grid_id
  WHERE %(area)s <> '' AND (g.code IS NULL OR g.code NOT LIKE %(area)s || '%%')
  UNION ALL
  SELECT row_no, 'room', room, '该楼栋单元房号已有房屋 ' || holder || ' / household ' || holder
         || ' already has this building, unit and room'
  FROM room_taken
  UNION ALL
  SELECT r.row_no, 'room', r.room,
         '与第 ' || min(e.row_no) || ' 行的楼栋单元房号相同 / same building, unit and room as row ' || min(e.row_no)
  FROM resolved r
  JOIN resolved e ON e.building_id = r.building_id AND e.room = r.room AND e.unit IS NOT DISTINCT FROM r.unit
                 AND e.row_no < r.row_no
  WHERE r.row_no NOT IN (SELECT row_no FROM room_taken)
  GROUP BY r.row_no, r.room
)
SELECT row_no, field, value, reason FROM problems
