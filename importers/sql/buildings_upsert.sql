-- Buildings from the staging table into layers_building, keyed by code.
-- New codes are inserted; existing ones are updated only where a value differs (columns the file
-- does not have, where the has_FIELD parameter is false, keep their stored value), so re-importing the same file
-- writes nothing. Geometry equality is exact (coordinates and their order: PostGIS `=`).
-- Returns one row per building written: id, code, and whether it was inserted.
INSERT INTO layers_building AS b (code, address, name, footprint, floors, height, use, year_built)
SELECT code, coalesce(address, ''), coalesce(name, ''), geom, coalesce(floors, 1), height,
       coalesce(use, 'residential'), year_built
FROM import_rows
ORDER BY row_no
ON CONFLICT (code) DO UPDATE SET
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
