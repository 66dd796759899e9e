-- Set-based checks of staged incidents; each row returned rejects that staged row
-- (row_no, field, value, reason).
-- 1. Closed before it was reported (the CHECK incident_closed_after_reported would abort the whole
--    import): the closing time is the file's, or the stored one when the file has no closed_at column.
-- 2. Outside the importing user's area (the area parameter is a code prefix, '' means everywhere):
--    the point must lie in a grid of that area.
-- 3. A code that an incident outside the user's area already has.
SELECT s.row_no, 'closed_at', to_char(s.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'),
       '办结时间早于上报时间 / closed before it was reported'
FROM import_rows s LEFT JOIN layers_incident i ON i.code = s.code
WHERE CASE WHEN %(has_closed_at)s THEN s.closed_at ELSE i.closed_at END < s.reported_at
UNION ALL
SELECT s.row_no, 'geometry', '', '不在您的管辖区域内 / outside your area'
FROM import_rows s
WHERE %(area)s <> ''
  AND NOT EXISTS (SELECT 1 FROM layers_grid g
                  WHERE g.code LIKE %(area)s || '%%' AND g.boundary && s.geom AND ST_Covers(g.boundary, s.geom))
UNION ALL
SELECT s.row_no, 'code', s.code, '编号已被辖区外的事件使用 / the code belongs to an incident outside your area'
FROM import_rows s JOIN layers_incident i ON i.code = s.code
LEFT JOIN layers_grid g ON g.id = i.grid_id
WHERE %(area)s <> '' AND (g.code IS NULL OR g.code NOT LIKE %(area)s || '%%')
