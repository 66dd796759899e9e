-- After divisions are written (the ids parameter): buildings over the villages just written get
-- their village again, set-based — the village whose boundary holds a point on the footprint
-- (first by code), as buildings_link.sql does for new buildings. Only buildings whose point lies
-- in a written village's box, or that belonged to a written village, are looked at.
WITH written AS (
  SELECT d.id, d.boundary FROM layers_division d WHERE d.id = ANY(%(ids)s) AND d.level = 'village'
), nearby AS (
  SELECT b.id, ST_PointOnSurface(b.footprint) AS point, b.village_id
  FROM layers_building b
  WHERE EXISTS (SELECT 1 FROM written w WHERE w.boundary && b.footprint)
     OR b.village_id IN (SELECT id FROM written)
), village AS (
  SELECT DISTINCT ON (n.id) n.id, d.id AS village_id
  FROM nearby n JOIN layers_division d
    ON d.level = 'village' AND d.boundary && n.point AND ST_Contains(d.boundary, n.point)
  ORDER BY n.id, d.code
)
UPDATE layers_building b SET village_id = v.village_id
FROM nearby n LEFT JOIN village v ON v.id = n.id
WHERE b.id = n.id AND b.village_id IS DISTINCT FROM v.village_id
