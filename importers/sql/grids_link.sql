-- After grids are written (the ids parameter), set-based: what lies in them is assigned again
-- and their figures recounted. "What lies in them" is what a written grid's box overlaps, plus
-- what was assigned to a written grid or to its parent (a grid that just got sub-grids is no
-- longer a leaf). Every grid that gains or loses a building is noted in import_touched_grids;
-- the kind's after_link hook recounts those grids and their ancestors
-- (layers/sql/refresh_grid_figures.sql). Statements returning a count add to "assigned".
DROP TABLE IF EXISTS import_touched_grids;

CREATE TEMP TABLE import_touched_grids (grid_id bigint) ON COMMIT DROP;

INSERT INTO import_touched_grids SELECT unnest(%(ids)s::bigint[]);

-- 1. Buildings: the leaf grid holding the larger share of the footprint (ties by code), as
--    buildings_link.sql does.
WITH written AS (
  SELECT g.id, g.boundary, g.parent_id FROM layers_grid g WHERE g.id IN (SELECT unnest(%(ids)s::bigint[]))
), affected_ids AS (
  SELECT b.id FROM written w JOIN layers_building b ON b.footprint && w.boundary
  UNION
  SELECT b.id FROM layers_building b
  WHERE b.grid_id IN (SELECT id FROM written UNION SELECT parent_id FROM written WHERE parent_id IS NOT NULL)
), affected AS (
  SELECT b.id, b.footprint, b.grid_id FROM layers_building b JOIN affected_ids a ON a.id = b.id
), best AS (
  SELECT DISTINCT ON (a.id) a.id, g.id AS grid_id
  FROM affected a
  JOIN layers_grid g ON g.boundary && a.footprint AND ST_Intersects(g.boundary, a.footprint)
  WHERE NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
  ORDER BY a.id,
           CASE WHEN ST_Covers(g.boundary, a.footprint) THEN ST_Area(a.footprint)
                ELSE ST_Area(ST_Intersection(g.boundary, a.footprint)) END DESC,
           g.code
), moved AS (
  UPDATE layers_building b SET grid_id = best.grid_id
  FROM affected a LEFT JOIN best ON best.id = a.id
  WHERE b.id = a.id AND b.grid_id IS DISTINCT FROM best.grid_id
  RETURNING a.grid_id AS old_grid, b.grid_id AS new_grid
), noted AS (
  INSERT INTO import_touched_grids
  SELECT old_grid FROM moved WHERE old_grid IS NOT NULL UNION SELECT new_grid FROM moved WHERE new_grid IS NOT NULL
)
SELECT count(*) FROM moved WHERE new_grid IS NOT NULL;

-- 2. Sensors: the leaf grid covering the point (first by code), as SensorQuerySet.assign_grids.
WITH written AS (
  SELECT g.id, g.boundary, g.parent_id FROM layers_grid g WHERE g.id IN (SELECT unnest(%(ids)s::bigint[]))
), affected_ids AS (
  SELECT s.id FROM written w JOIN layers_sensor s ON s.location && w.boundary
  UNION
  SELECT s.id FROM layers_sensor s
  WHERE s.grid_id IN (SELECT id FROM written UNION SELECT parent_id FROM written WHERE parent_id IS NOT NULL)
), affected AS (
  SELECT s.id, s.location FROM layers_sensor s JOIN affected_ids a ON a.id = s.id
), best AS (
  SELECT DISTINCT ON (a.id) a.id, g.id AS grid_id
  FROM affected a JOIN layers_grid g ON g.boundary && a.location AND ST_Covers(g.boundary, a.location)
  WHERE NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
  ORDER BY a.id, g.code
), moved AS (
  UPDATE layers_sensor s SET grid_id = best.grid_id
  FROM affected a LEFT JOIN best ON best.id = a.id
  WHERE s.id = a.id AND s.grid_id IS DISTINCT FROM best.grid_id
  RETURNING s.grid_id
)
SELECT count(*) FROM moved WHERE grid_id IS NOT NULL;

-- 3. Incidents: the leaf grid covering the point (first by code), as IncidentQuerySet.assign_grids.
WITH written AS (
  SELECT g.id, g.boundary, g.parent_id FROM layers_grid g WHERE g.id IN (SELECT unnest(%(ids)s::bigint[]))
), affected_ids AS (
  SELECT i.id FROM written w JOIN layers_incident i ON i.location && w.boundary
  UNION
  SELECT i.id FROM layers_incident i
  WHERE i.grid_id IN (SELECT id FROM written UNION SELECT parent_id FROM written WHERE parent_id IS NOT NULL)
), affected AS (
  SELECT i.id, i.location FROM layers_incident i JOIN affected_ids a ON a.id = i.id
), best AS (
  SELECT DISTINCT ON (a.id) a.id, g.id AS grid_id
  FROM affected a JOIN layers_grid g ON g.boundary && a.location AND ST_Covers(g.boundary, a.location)
  WHERE NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
  ORDER BY a.id, g.code
), moved AS (
  UPDATE layers_incident i SET grid_id = best.grid_id
  FROM affected a LEFT JOIN best ON best.id = a.id
  WHERE i.id = a.id AND i.grid_id IS DISTINCT FROM best.grid_id
  RETURNING i.grid_id
)
SELECT count(*) FROM moved WHERE grid_id IS NOT NULL
