-- Repeat cases at one place: cases of the area and period that share their building with, or lie
-- within `metres` of, another case of the same area and period (any status); per child area and
-- for the whole area (child NULL). Twin of the ?repeat=1 list filter (incidents/filters.py).
-- The peers are looked up in layers_incident itself (not in the CTE), so the building_id index and
-- the GiST index on location_3857 serve them; the distance is in Web-Mercator units, scaled by
-- 1/cos(latitude) to ground metres. Parameters: prefix, child_len, period_start, period_end, metres.
WITH cohort AS (
    SELECT i.id, left(g.code, %(child_len)s) AS child, i.building_id, i.location, i.location_3857
    FROM layers_incident i
    JOIN layers_grid g ON g.id = i.grid_id
    WHERE g.code LIKE %(prefix)s::text || '%%'
      AND i.reported_at >= %(period_start)s AND i.reported_at < %(period_end)s
),
repeated AS (
    SELECT c.child
    FROM cohort c
    WHERE EXISTS (SELECT 1 FROM layers_incident p JOIN layers_grid pg ON pg.id = p.grid_id
                  WHERE p.building_id = c.building_id AND p.id <> c.id
                    AND p.reported_at >= %(period_start)s AND p.reported_at < %(period_end)s
                    AND pg.code LIKE %(prefix)s::text || '%%')
       OR EXISTS (SELECT 1 FROM layers_incident p JOIN layers_grid pg ON pg.id = p.grid_id
                  WHERE ST_DWithin(p.location_3857, c.location_3857, %(metres)s / cos(radians(ST_Y(c.location))))
                    AND p.id <> c.id
                    AND p.reported_at >= %(period_start)s AND p.reported_at < %(period_end)s
                    AND pg.code LIKE %(prefix)s::text || '%%')
)
SELECT CASE WHEN grouping(child) = 1 THEN NULL ELSE child END AS child, count(*) AS repeat
FROM repeated
GROUP BY GROUPING SETS ((child), ())
