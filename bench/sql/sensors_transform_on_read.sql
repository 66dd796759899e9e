-- Reference for the benchmark: the sensors tile transforming every point on read (the layer's SQL
-- before the stored copy location_3857). Same parameters and the same bytes as tiles/sql/sensors.sql.
-- Parameters: z, x, y; prefix ('' = all); simplify and min_area are bound but unused (points).
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
mvtgeom AS (
  SELECT s.id,
         ST_AsMVTGeom(ST_Transform(s.location, 3857), bounds.env, 4096, 64, true) AS geom,
         s.device_id, s.kind, s.status
  FROM layers_sensor s
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = s.grid_id
  WHERE s.location && bounds.bbox                          -- GiST prefilter (lon/lat)
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping through the grid
)
SELECT ST_AsMVT(mvtgeom, 'sensors', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
