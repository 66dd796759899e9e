-- Reference for the benchmark: the divisions tile transforming every boundary on read (the layer's
-- SQL before the stored copy boundary_3857). Same parameters and the same bytes as tiles/sql/divisions.sql.
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
mvtgeom AS (
  SELECT d.id,
         ST_AsMVTGeom(CASE WHEN %(simplify)s > 0                -- no simplifying from z14
                           THEN ST_SimplifyPreserveTopology(ST_Transform(d.boundary, 3857), %(simplify)s)
                           ELSE ST_Transform(d.boundary, 3857) END,
                      bounds.env, 4096, 64, true) AS geom,
         d.code, d.name, d.level
  FROM layers_division d, bounds
  WHERE d.boundary && bounds.bbox                          -- GiST prefilter (lon/lat)
    AND d.code LIKE %(prefix)s || '%%'                     -- area scoping
    AND (%(min_area)s = 0 OR ST_Area(ST_Transform(d.boundary, 3857)) >= %(min_area)s)
)
SELECT ST_AsMVT(mvtgeom, 'divisions', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
