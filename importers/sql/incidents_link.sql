-- Spatial assignment of the incidents just written (the ids parameter), set-based:
-- 1. the building whose footprint covers the point (first by code), as
--    IncidentQuerySet.assign_buildings; none when no footprint does.
WITH written AS (
  SELECT i.id, i.location FROM layers_incident i WHERE i.id IN (SELECT unnest(%(ids)s::bigint[]))
), holder AS (
  SELECT DISTINCT ON (w.id) w.id, b.id AS building_id
  FROM written w JOIN layers_building b ON b.footprint && w.location AND ST_Covers(b.footprint, w.location)
  ORDER BY w.id, b.code
)
UPDATE layers_incident i SET building_id = h.building_id
FROM written w LEFT JOIN holder h ON h.id = w.id
WHERE i.id = w.id AND i.building_id IS DISTINCT FROM h.building_id;

-- 2. the leaf grid covering the point (first by code), as IncidentQuerySet.assign_grids. Returns
--    how many written incidents have a grid.
WITH written AS (
  SELECT i.id, i.location FROM layers_incident i WHERE i.id IN (SELECT unnest(%(ids)s::bigint[]))
), best AS (
  SELECT DISTINCT ON (w.id) w.id, g.id AS grid_id
  FROM written w JOIN layers_grid g ON g.boundary && w.location AND ST_Covers(g.boundary, w.location)
  WHERE NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
  ORDER BY w.id, g.code
), assigned AS (
  UPDATE layers_incident i SET grid_id = best.grid_id
  FROM written w LEFT JOIN best ON best.id = w.id
  WHERE i.id = w.id AND i.grid_id IS DISTINCT FROM best.grid_id
)
SELECT count(*) FROM best
