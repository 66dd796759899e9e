-- Repeat cases at one place: cases of the area and period that share their building with, or lie
-- within `metres` of, another case of the same area and period (any status); per child area and
-- for the whole area (child NULL). Twin of the ?repeat=1 list filter (incidents/filters.py):
-- "within" is ST_DWithin on the stored Web-Mercator points with the reach metres / cos(latitude)
-- (Mercator units are ground metres × 1/cos(latitude)).
--
-- Set-based first, probes only where needed:
--   1. same building: a window count per building;
--   2. same cell: the points are binned into square cells of side `cell` Mercator units, chosen so
--      that two points of one cell are always within `metres` (the cell's diagonal is shorter), and
--      metres <= reach everywhere, so a cell holding two cases makes both repeats;
--   3. only the cases left alone in their cell and building probe the GiST index on location_3857
--      for a peer of the same period and area (the area checked by a scalar lookup of the peer's
--      grid code, so the EXISTS stops at the first peer instead of hashing all of them).
-- Parameters: prefix, child_len, period_start, period_end, metres, cell.
WITH cohort AS (
    SELECT i.id, left(g.code, %(child_len)s) AS child, i.building_id, i.location_3857,
           %(metres)s / cos(radians(ST_Y(i.location))) AS reach,
           floor(ST_X(i.location_3857) / %(cell)s) AS cx, floor(ST_Y(i.location_3857) / %(cell)s) AS cy
    FROM layers_incident i
    JOIN layers_grid g ON g.id = i.grid_id
    WHERE g.code LIKE %(prefix)s::text || '%%'
      AND i.reported_at >= %(period_start)s AND i.reported_at < %(period_end)s
),
crowded AS (
    SELECT c.*,
           (c.building_id IS NOT NULL AND count(*) OVER (PARTITION BY c.building_id) > 1) AS same_building,
           count(*) OVER (PARTITION BY c.cx, c.cy) > 1 AS same_cell
    FROM cohort c
),
repeated AS (
    SELECT c.child
    FROM crowded c
    WHERE c.same_building OR c.same_cell
       OR EXISTS (SELECT 1 FROM layers_incident p
                  WHERE ST_DWithin(p.location_3857, c.location_3857, c.reach)
                    AND p.id <> c.id
                    AND p.reported_at >= %(period_start)s AND p.reported_at < %(period_end)s
                    AND (SELECT pg.code FROM layers_grid pg WHERE pg.id = p.grid_id) LIKE %(prefix)s::text || '%%')
)
SELECT CASE WHEN grouping(child) = 1 THEN NULL ELSE child END AS child, count(*) AS repeat
FROM repeated
GROUP BY GROUPING SETS ((child), ())
