-- Buildings from the staging table into layers_building, keyed by code.
-- New codes are inserted; existing ones are updated only where a value differs (columns the file
-- does not have, where the has_FIELD parameter is false, keep their stored value), so re-importing the same file
-- writes nothing. Geometry equality is exact (coordinates and their order: PostGIS `=`).
-- Each building written gets its grid and village in the same write (computed first from the staged
-- footprint, which is the footprint written): an UPDATE afterwards would rewrite every row, its
-- generated EPSG:3857 copy and all its indexes a second time. buildings_link.sql counts them.
-- 1. Places of the staged buildings:
--    grid: the leaf grid holding the larger share of the footprint (ties by code), as
--    BuildingQuerySet.assign_grids does one building at a time; a footprint a grid covers whole
--    skips the intersection. None when no grid overlaps it (an update then clears the grid).
--    village: the village whose boundary holds a point on the footprint (first by code); an
--    update keeps the stored village when none holds it.
-- 2. The buildings. Returns one row per building written: id, code, and whether it was inserted.
DROP TABLE IF EXISTS import_building_places;

-- (the joins go from each grid and village to the staged footprints it may hold, through an index
-- on the staging table: one index probe per area instead of one per building and area level)
CREATE INDEX ON import_rows USING gist (geom);

ANALYZE import_rows;

CREATE TEMP TABLE import_building_places ON COMMIT DROP AS
WITH grid_of AS (
  SELECT DISTINCT ON (s.row_no) s.row_no, g.id AS grid_id
  FROM layers_grid g
  JOIN import_rows s ON s.geom && g.boundary AND ST_Intersects(g.boundary, s.geom)
  WHERE NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
  ORDER BY s.row_no,
           CASE WHEN ST_Covers(g.boundary, s.geom) THEN ST_Area(s.geom)
                ELSE ST_Area(ST_Intersection(g.boundary, s.geom)) END DESC,
           g.code
), village_of AS (
  SELECT DISTINCT ON (s.row_no) s.row_no, d.id AS village_id
  FROM layers_division d
  JOIN import_rows s ON s.geom && d.boundary AND ST_Contains(d.boundary, ST_PointOnSurface(s.geom))
  WHERE d.level = 'village'
  ORDER BY s.row_no, d.code
)
SELECT s.row_no, grid_of.grid_id, village_of.village_id
FROM import_rows s
LEFT JOIN grid_of ON grid_of.row_no = s.row_no
LEFT JOIN village_of ON village_of.row_no = s.row_no;

INSERT INTO layers_building AS b (code, address, name, footprint, floors, height, use, year_built, grid_id,
                                  village_id)
SELECT s.code, coalesce(s.address, ''), coalesce(s.name, ''), s.geom, coalesce(s.floors, 1), s.height,
       coalesce(s.use, 'residential'), s.year_built, p.grid_id, p.village_id
FROM import_rows s JOIN import_building_places p ON p.row_no = s.row_no
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET
  grid_id = EXCLUDED.grid_id,
  village_id = coalesce(EXCLUDED.village_id, b.village_id),
  address = CASE WHEN %(has_address)s THEN EXCLUDED.address ELSE b.address END,
  name = CASE WHEN %(has_name)s THEN EXCLUDED.name ELSE b.name END,
  footprint = EXCLUDED.footprint,
  floors = CASE WHEN %(has_floors)s THEN EXCLUDED.floors ELSE b.floors END,
  height = CASE WHEN %(has_height)s THEN EXCLUDED.height ELSE b.height END,
  use = CASE WHEN %(has_use)s THEN EXCLUDED.use ELSE b.use END,
  year_built = CASE WHEN %(has_year_built)s THEN EXCLUDED.year_built ELSE b.year_built END
WHERE b.footprint IS DISTINCT FROM EXCLUDED.footprint
   OR (%(has_address)s AND b.address IS DISTINCT FROM EXCLUDED.address)
   OR (%(has_name)s AND b.name IS DISTINCT FROM EXCLUDED.name)
   OR (%(has_floors)s AND b.floors IS DISTINCT FROM EXCLUDED.floors)
   OR (%(has_height)s AND b.height IS DISTINCT FROM EXCLUDED.height)
   OR (%(has_use)s AND b.use IS DISTINCT FROM EXCLUDED.use)
   OR (%(has_year_built)s AND b.year_built IS DISTINCT FROM EXCLUDED.year_built)
RETURNING b.id, b.code, (xmax = 0) AS inserted
