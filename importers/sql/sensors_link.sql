-- Spatial assignment of the devices just written (the ids parameter), set-based:
-- 1. devices without a building code in the file: the building containing the point, else the
--    nearest within 15 m (metres on the spheroid, after a 0.0005-degree prefilter on the index),
--    ties by code, as SensorQuerySet.assign_buildings does; none when no building is that close.
WITH written AS (
  SELECT d.id, d.location
  FROM layers_sensor d JOIN import_rows s ON s.device_id = d.device_id
  WHERE d.id IN (SELECT unnest(%(ids)s::bigint[])) AND s.building_code IS NULL
), nearest AS (
  SELECT DISTINCT ON (w.id) w.id, b.id AS building_id
  FROM written w
  JOIN layers_building b ON ST_DWithin(b.footprint, w.location, 0.0005)
                        AND ST_DWithin(b.footprint::geography, w.location::geography, 15)
  ORDER BY w.id, ST_Distance(b.footprint::geography, w.location::geography), b.code
)
UPDATE layers_sensor d SET building_id = n.building_id
FROM written w LEFT JOIN nearest n ON n.id = w.id
WHERE d.id = w.id AND d.building_id IS DISTINCT FROM n.building_id;

-- 2. the leaf grid covering the point (first by code), as SensorQuerySet.assign_grids. Returns how
--    many written devices have a grid.
WITH written AS (
  SELECT d.id, d.location FROM layers_sensor d WHERE d.id IN (SELECT unnest(%(ids)s::bigint[]))
), best AS (
  SELECT DISTINCT ON (w.id) w.id, g.id AS grid_id
  FROM written w JOIN layers_grid g ON g.boundary && w.location AND ST_Covers(g.boundary, w.location)
  WHERE NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
  ORDER BY w.id, g.code
), assigned AS (
  UPDATE layers_sensor d SET grid_id = best.grid_id
  FROM written w LEFT JOIN best ON best.id = w.id
  WHERE d.id = w.id AND d.grid_id IS DISTINCT FROM best.grid_id
)
SELECT count(*) FROM best
