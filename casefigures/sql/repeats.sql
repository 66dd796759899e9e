-- Repeat cases at one place: cases of the area and period that share their building with, or lie
-- within `metres` of, another case of the same area and period (any status); per child area and
-- for the whole area (child NULL). Twin of the ?repeat=1 list filter (incidents/filters.py):
-- "within" is ST_DWithin on the stored Web-Mercator points with the reach metres / cos(latitude)
-- (Mercator units are ground metres × 1/cos(latitude)).
--
-- All set-based, no per-case index probe (a probe near a busy spot walks the whole year's cases):
--   1. same building: a window count per building;
--   2. same cell: the points are binned into square cells of side `cell` Mercator units, chosen so
--      that two points of one cell are always within `metres` (the cell's diagonal is shorter), and
--      metres <= reach everywhere, so a cell holding two cases makes both repeats;
--   3. a case alone in its cell and building looks for a peer in the cells around it, as far as
--      the largest reach of the cohort needs (k cells each way), by a join on equal cell keys,
--      and the exact ST_DWithin decides.
-- Parameters: prefix, child_len, period_start, period_end, metres, cell.
WITH cohort AS (
    SELECT i.id, left(g.code, %(child_len)s) AS child, i.building_id, i.location_3857,
           %(metres)s / cos(radians(ST_Y(i.location))) AS reach,
           floor(ST_X(i.location_3857) / %(cell)s)::bigint AS cx,
           floor(ST_Y(i.location_3857) / %(cell)s)::bigint AS cy
    FROM layers_incident i
    JOIN layers_grid g ON g.id = i.grid_id
    WHERE g.code LIKE %(prefix)s::text || '%%'
      AND i.reported_at >= %(period_start)s AND i.reported_at < %(period_end)s
),
flagged AS (
    SELECT c.*,
           (c.building_id IS NOT NULL AND count(*) OVER (PARTITION BY c.building_id) > 1)
           OR count(*) OVER (PARTITION BY c.cx, c.cy) > 1 AS crowded
    FROM cohort c
),
offsets AS (
    SELECT dx, dy
    FROM (SELECT ceil(max(reach) / %(cell)s)::int AS k FROM cohort) r,
         generate_series(-r.k, r.k) AS dx, generate_series(-r.k, r.k) AS dy
    WHERE dx <> 0 OR dy <> 0
),
probes AS MATERIALIZED (
    -- the cells around each lonely case, as plain columns (MATERIALIZED: else the planner joins every
    -- lonely case with every case by ST_DWithin before looking at the cells), so the join below is on equality
    SELECT l.id, l.location_3857, l.reach, l.cx + d.dx AS tx, l.cy + d.dy AS ty
    FROM flagged l CROSS JOIN offsets d
    WHERE NOT l.crowded
),
near AS (
    SELECT DISTINCT p.id
    FROM probes p
    JOIN cohort o ON o.cx = p.tx AND o.cy = p.ty
    WHERE ST_DWithin(o.location_3857, p.location_3857, p.reach)
)
SELECT CASE WHEN grouping(f.child) = 1 THEN NULL ELSE f.child END AS child, count(*) AS repeat
FROM flagged f
WHERE f.crowded OR f.id IN (SELECT id FROM near)
GROUP BY GROUPING SETS ((f.child), ())
