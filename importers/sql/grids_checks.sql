-- Set-based checks of staged grids; each row returned rejects that staged row
-- (row_no, field, value, reason). The code says everything: its length gives the level
-- (15/17/19 digits: 1/2/3), its first 12 digits the village, and for levels 2-3 dropping the last
-- two digits gives the parent grid. The checks mirror the trigger geogov_grid_check
-- (layers/sql/grid_check.sql), so a bad row is refused with its reason instead of the trigger
-- aborting the whole import:
-- 1. outside the importing user's area (a grid's area is its code; '' means everywhere);
-- 2. the village (code[:12]) is not a village in the database;
-- 3. a level 2-3 grid whose parent is neither in the database nor accepted in this file;
-- 4. not inside its parent: ST_CoveredBy(geom, ST_Buffer(parent, 1e-6)), the parent being the
--    village for level 1, else the parent grid as it will be after the import (the file's boundary
--    when the parent is accepted from the file, else the stored one);
-- 5. a new boundary that would leave an existing sub-grid (one not in this file) outside it.
-- Levels are checked top-down, so a refused parent refuses the children that relied on it.
WITH staged AS (
  SELECT s.row_no, s.code, s.geom, (length(s.code) - 13) / 2 AS level, left(s.code, 12) AS village_code,
         CASE WHEN length(s.code) > 15 THEN left(s.code, length(s.code) - 2) END AS parent_code
  FROM import_rows s
), basic AS (  -- checks 1, 2 and 5, which need no other staged row
  SELECT st.row_no, 'code' AS field, st.code AS value, '不在您的管辖区域内 / outside your area' AS reason
  FROM staged st WHERE %(area)s <> '' AND st.code NOT LIKE %(area)s || '%%'
  UNION ALL
  SELECT st.row_no, 'code', st.code, '所属村（社区）' || st.village_code || ' 不存在 / village ' || st.village_code
         || ' (the first 12 digits) does not exist'
  FROM staged st
  WHERE NOT EXISTS (SELECT 1 FROM layers_division d WHERE d.code = st.village_code AND d.level = 'village')
  UNION ALL
  SELECT DISTINCT ON (st.row_no) st.row_no, 'geometry', st.code, '新边界未包含已有下级网格 ' || c.code
         || ' / the new boundary leaves existing sub-grid ' || c.code || ' outside'
  FROM staged st
  JOIN layers_grid c ON c.code LIKE st.code || '__' AND length(c.code) = length(st.code) + 2
  WHERE c.code NOT IN (SELECT code FROM import_rows)
    AND NOT ST_CoveredBy(c.boundary, ST_Buffer(st.geom, 1e-6))
), level1 AS (
  SELECT st.row_no, 'geometry' AS field, st.code AS value,
         '网格超出所属村（社区）' || st.village_code || ' 的边界 / the grid is not inside its village '
         || st.village_code AS reason
  FROM staged st JOIN layers_division d ON d.code = st.village_code AND d.level = 'village'
  WHERE st.level = 1 AND st.row_no NOT IN (SELECT row_no FROM basic)
    AND NOT ST_CoveredBy(st.geom, ST_Buffer(d.boundary, 1e-6))
), accepted1 AS (
  SELECT code, geom FROM staged
  WHERE level = 1 AND row_no NOT IN (SELECT row_no FROM basic) AND row_no NOT IN (SELECT row_no FROM level1)
), level2 AS (
  SELECT st.row_no, 'geometry' AS field, st.code AS value,
         CASE WHEN coalesce(a.geom, p.boundary) IS NULL
              THEN '上级网格 ' || st.parent_code || ' 不存在（库中和文件中都没有） / parent grid ' || st.parent_code
                   || ' is missing (neither in the database nor in the file)'
              ELSE '网格超出上级网格 ' || st.parent_code || ' 的边界 / the grid is not inside its parent '
                   || st.parent_code END AS reason
  FROM staged st
  LEFT JOIN accepted1 a ON a.code = st.parent_code
  LEFT JOIN layers_grid p ON p.code = st.parent_code
  WHERE st.level = 2 AND st.row_no NOT IN (SELECT row_no FROM basic)
    AND (coalesce(a.geom, p.boundary) IS NULL
         OR NOT ST_CoveredBy(st.geom, ST_Buffer(coalesce(a.geom, p.boundary), 1e-6)))
), accepted2 AS (
  SELECT code, geom FROM staged
  WHERE level = 2 AND row_no NOT IN (SELECT row_no FROM basic) AND row_no NOT IN (SELECT row_no FROM level2)
), level3 AS (
  SELECT st.row_no, 'geometry' AS field, st.code AS value,
         CASE WHEN coalesce(a.geom, p.boundary) IS NULL
              THEN '上级网格 ' || st.parent_code || ' 不存在（库中和文件中都没有） / parent grid ' || st.parent_code
                   || ' is missing (neither in the database nor in the file)'
              ELSE '网格超出上级网格 ' || st.parent_code || ' 的边界 / the grid is not inside its parent '
                   || st.parent_code END AS reason
  FROM staged st
  LEFT JOIN accepted2 a ON a.code = st.parent_code
  LEFT JOIN layers_grid p ON p.code = st.parent_code
  WHERE st.level = 3 AND st.row_no NOT IN (SELECT row_no FROM basic)
    AND (coalesce(a.geom, p.boundary) IS NULL
         OR NOT ST_CoveredBy(st.geom, ST_Buffer(coalesce(a.geom, p.boundary), 1e-6)))
)
SELECT * FROM basic
UNION ALL SELECT * FROM level1
UNION ALL SELECT * FROM level2
UNION ALL SELECT * FROM level3
