-- Cases by status, by channel (source) and by category, per child area and for the whole area
-- (child NULL), in one scan with grouping sets. Same cohort as counts.sql: the area's gridded
-- cases reported in the half-open period. Parameters: prefix, child_len, period_start, period_end.
WITH cohort AS (
    SELECT left(g.code, %(child_len)s) AS child, i.status, i.source, i.category
    FROM layers_incident i
    JOIN layers_grid g ON g.id = i.grid_id
    WHERE g.code LIKE %(prefix)s::text || '%%'
      AND i.reported_at >= %(period_start)s AND i.reported_at < %(period_end)s
)
SELECT CASE WHEN grouping(child) = 1 THEN NULL ELSE child END AS child,
       CASE WHEN grouping(status) = 0 THEN 'status'
            WHEN grouping(source) = 0 THEN 'source'
            ELSE 'category' END AS dimension,
       -- the two columns grouped away are NULL in each set, so coalesce picks the grouped one
       coalesce(status, source, category) AS value,
       count(*) AS n
FROM cohort
GROUP BY GROUPING SETS ((child, status), (child, source), (child, category), (status), (source), (category))
ORDER BY 1 NULLS FIRST, 2, 4 DESC, 3
