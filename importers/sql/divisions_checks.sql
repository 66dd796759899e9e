-- Set-based checks of staged divisions; each row returned rejects that staged row
-- (row_no, field, value, reason). The level comes from the 12-digit code: a county ends in
-- 000000, a town in 000, a village otherwise; a town's parent is its county (code[:6] + 000000),
-- a village's its town (code[:9] + 000).
-- 1. Outside the importing user's area (a division's area is its code: the area parameter is a
--    code prefix, '' means everywhere).
-- 2. A town or village whose parent is neither in the database nor accepted in this file (a town
--    refused here takes its villages with it; a county has no parent to look for).
WITH staged AS (
  SELECT s.row_no, s.code,
         CASE WHEN s.code LIKE '%%000000' THEN 'county' WHEN s.code LIKE '%%000' THEN 'town' ELSE 'village' END
           AS level
  FROM import_rows s
), levelled AS (
  SELECT st.*,
         CASE st.level WHEN 'town' THEN left(st.code, 6) || '000000'
                       WHEN 'village' THEN left(st.code, 9) || '000' END AS parent_code,
         CASE st.level WHEN 'town' THEN 'county' WHEN 'village' THEN 'town' END AS parent_level
  FROM staged st
), outside AS (
  SELECT row_no, code FROM levelled WHERE %(area)s <> '' AND code NOT LIKE %(area)s || '%%'
), parent_known AS (  -- parents already in the database, of the right level
  SELECT l.row_no FROM levelled l
  JOIN layers_division d ON d.code = l.parent_code AND d.level = l.parent_level
), towns_ok AS (
  SELECT t.code FROM levelled t
  WHERE t.level = 'town' AND t.row_no NOT IN (SELECT row_no FROM outside)
    AND (t.row_no IN (SELECT row_no FROM parent_known)
         OR EXISTS (SELECT 1 FROM levelled c WHERE c.level = 'county' AND c.code = t.parent_code
                    AND c.row_no NOT IN (SELECT row_no FROM outside)))
), orphans AS (
  SELECT l.row_no, l.code, l.parent_code FROM levelled l
  WHERE l.level <> 'county' AND l.row_no NOT IN (SELECT row_no FROM outside)
    AND l.row_no NOT IN (SELECT row_no FROM parent_known)
    AND NOT (l.level = 'town' AND l.code IN (SELECT code FROM towns_ok))
    AND NOT (l.level = 'village' AND l.parent_code IN (SELECT code FROM towns_ok))
)
SELECT row_no, 'code', code, '不在您的管辖区域内 / outside your area' FROM outside
UNION ALL
SELECT row_no, 'code', code, '上级区划 ' || parent_code || ' 不存在（库中和文件中都没有） / parent division '
       || parent_code || ' is missing (neither in the database nor in the file)'
FROM orphans
