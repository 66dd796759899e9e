-- Divisions layer: county, town and village boundaries for one tile z/x/y.
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
-- Scoping matches DivisionQuerySet.for_user: the divisions whose own code starts with the prefix
-- (a town operator sees the town and its villages, not the county; a grid worker's 15-digit
-- prefix matches no 12-digit division code, so he sees none).
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
mvtgeom AS (
  SELECT d.id,
         ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(d.boundary, 3857), %(simplify)s),
                      bounds.env, 4096, 64, true) AS geom,
         d.code, d.name, d.level
  FROM layers_division d, bounds
  WHERE d.boundary && bounds.bbox                          -- GiST prefilter
    AND d.code LIKE %(prefix)s || '%%'                     -- area scoping
    AND (%(min_area)s = 0 OR ST_Area(ST_Transform(d.boundary, 3857)) >= %(min_area)s)
)
SELECT ST_AsMVT(mvtgeom, 'divisions', 4096, 'geom', 'id') FROM mvtgeom WHERE geom IS NOT NULL
