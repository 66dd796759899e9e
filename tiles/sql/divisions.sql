-- Divisions layer: county, town and village boundaries for one tile z/x/y.
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
-- Scoping matches DivisionQuerySet.for_user: the divisions whose own code starts with the prefix
-- (a town operator sees the town and its villages, not the county; a grid worker's 15-digit
-- prefix matches no 12-digit division code, so he sees none).
-- Reads the stored Web-Mercator copy boundary_3857 (GiST-indexed): prefilter, area and geometry
-- need no ST_Transform. bench/sql/divisions_transform_on_read.sql must give the same bytes.
WITH bounds AS (
  -- the tile, and the tile widened by the 64-unit buffer, both in web mercator
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096) AS bbox
),
mvtgeom AS (
  SELECT d.id,
         ST_AsMVTGeom(CASE WHEN %(simplify)s > 0                -- no simplifying from z14
                           THEN ST_SimplifyPreserveTopology(d.boundary_3857, %(simplify)s)
                           ELSE d.boundary_3857 END,
                      bounds.env, 4096, 64, true) AS geom,
         d.code, d.name, d.level
  FROM layers_division d, bounds
  WHERE d.boundary_3857 && bounds.bbox                     -- GiST prefilter
    AND d.code LIKE %(prefix)s || '%%'                     -- area scoping
    AND (%(min_area)s = 0 OR ST_Area(d.boundary_3857) >= %(min_area)s)
)
SELECT ST_AsMVT(mvtgeom, 'divisions', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
