-- After divisions are written (the ids parameter): buildings over the villages just written get
-- their village again, set-based — the village whose boundary holds a point on the footprint
-- (first by code), as buildings_link.sql does for new buildings. Only buildings a written
-- village's box overlaps, or that belonged to a written village, are looked at.
WITH written AS (
  SELECT d.id, d.boundary FROM layers_division d WHERE d.id IN (SELECT unnest(%(ids)s::bigint[])) AND d.level = 'village'
), nearby_ids AS (
  SELECT b.id FROM written w JOIN layers_building b ON b.footprint && w.boundary
  UNION
  SELECT b.id FROM layers_building b WHERE b.village_id IN (SELECT id FROM written)
), nearby AS (
  SELECT b.id, ST_PointOnSurface(b.footprint) AS point FROM layers_building b JOIN nearby_ids n ON n.id = b.id
), village AS (
  SELECT DISTINCT ON (n.id) n.id, d.id AS village_id
  FROM nearby n JOIN layers_division d
    ON d.level = 'village' AND d.boundary && n.point AND ST_Contains(d.boundary, n.point)
  ORDER BY n.id, d.code
)
UPDATE layers_building b SET village_id = v.village_id
FROM nearby n LEFT JOIN village v ON v.id = n.id
WHERE b.id = n.id AND b.village_id IS DISTINCT FROM v.village_id
