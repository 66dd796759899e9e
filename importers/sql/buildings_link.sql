-- Spatial assignment of the buildings just written (the ids parameter), set-based:
-- 1. the leaf grid holding the larger share of the footprint (ties by code), as
--    BuildingQuerySet.assign_grids does one building at a time; a footprint a grid covers whole
--    skips the intersection. A building in no grid gets none. Returns how many have a grid.
WITH written AS (
  SELECT b.id, b.footprint FROM layers_building b WHERE b.id = ANY(%(ids)s)
), best AS (
  SELECT DISTINCT ON (w.id) w.id, g.id AS grid_id
  FROM written w
  JOIN layers_grid g ON g.boundary && w.footprint AND ST_Intersects(g.boundary, w.footprint)
  WHERE NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
  ORDER BY w.id,
           CASE WHEN ST_Covers(g.boundary, w.footprint) THEN ST_Area(w.footprint)
                ELSE ST_Area(ST_Intersection(g.boundary, w.footprint)) END DESC,
           g.code
), assigned AS (
  UPDATE layers_building b SET grid_id = best.grid_id
  FROM written w LEFT JOIN best ON best.id = w.id
  WHERE b.id = w.id AND b.grid_id IS DISTINCT FROM best.grid_id
  RETURNING b.id
)
SELECT count(*) FROM written w WHERE EXISTS (SELECT 1 FROM best WHERE best.id = w.id);

-- 2. the village whose boundary holds a point on the footprint (first by code).
WITH written AS (
  SELECT b.id, ST_PointOnSurface(b.footprint) AS point FROM layers_building b WHERE b.id = ANY(%(ids)s)
), village AS (
  SELECT DISTINCT ON (w.id) w.id, d.id AS village_id
  FROM written w JOIN layers_division d
    ON d.level = 'village' AND d.boundary && w.point AND ST_Contains(d.boundary, w.point)
  ORDER BY w.id, d.code
)
UPDATE layers_building b SET village_id = v.village_id
FROM village v WHERE b.id = v.id AND b.village_id IS DISTINCT FROM v.village_id
