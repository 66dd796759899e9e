-- Sensors layer: IoT device points for one tile z/x/y (the source's minzoom is 14): smoke, gas and
-- door sensors and cameras (kind 'camera'; the map draws them as their own toggle).
-- Parameters: z, x, y; prefix ('' = all); simplify and min_area are bound but unused (points).
-- Reads the stored Web-Mercator copy location_3857 (GiST-indexed).
-- bench/sql/sensors_transform_on_read.sql must give the same bytes.
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096) AS bbox
),
mvtgeom AS (
  SELECT s.id,
         ST_AsMVTGeom(s.location_3857, bounds.env, 4096, 64, true) AS geom,
         s.device_id, s.kind, s.status
  FROM layers_sensor s
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = s.grid_id
  WHERE s.location_3857 && bounds.bbox                     -- GiST prefilter
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping through the grid
)
SELECT ST_AsMVT(mvtgeom, 'sensors', 4096, 'geom', 'id' ORDER BY id) FROM mvtgeom WHERE geom IS NOT NULL
