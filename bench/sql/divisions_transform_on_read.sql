-- Reference for the benchmark: the divisions tile transforming every boundary on read (the layer's
-- SQL before the stored copy boundary_3857). Same parameters and the same bytes as tiles/sql/divisions.sql:
-- the "divisions" polygons and the "divisions_label" points (one per division, in the tile holding it).
-- Parameters: z, x, y; prefix ('' = all); simplify (metres); min_area (square metres).
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
shown AS (
  SELECT d.id, ST_Transform(d.boundary, 3857) AS boundary, d.code, d.name, d.level
  FROM layers_division d, bounds
  WHERE d.boundary && bounds.bbox                          -- GiST prefilter (lon/lat)
    AND d.code LIKE %(prefix)s || '%%'                     -- area scoping
    AND (%(min_area)s = 0 OR ST_Area(ST_Transform(d.boundary, 3857)) >= %(min_area)s)
),
mvtgeom AS (
  SELECT s.id,
         ST_AsMVTGeom(CASE WHEN %(simplify)s > 0                -- no simplifying from z14
                           THEN ST_SimplifyPreserveTopology(s.boundary, %(simplify)s)
                           ELSE s.boundary END,
                      bounds.env, 4096, 64, true) AS geom,
         s.code, s.name, s.level
  FROM shown s, bounds
),
labels AS (
  SELECT s.id, ST_AsMVTGeom(p.point, bounds.env, 4096, 0, false) AS geom, s.code, s.name, s.level
  FROM shown s CROSS JOIN LATERAL (SELECT ST_PointOnSurface(s.boundary) AS point) p, bounds
  WHERE ST_X(p.point) >= ST_XMin(bounds.env) AND ST_X(p.point) < ST_XMax(bounds.env)
    AND ST_Y(p.point) > ST_YMin(bounds.env) AND ST_Y(p.point) <= ST_YMax(bounds.env)
)
SELECT (SELECT ST_AsMVT(mvtgeom, 'divisions', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL)
    || (SELECT ST_AsMVT(labels, 'divisions_label', 4096, 'geom', 'id' ORDER BY id) FROM labels)
