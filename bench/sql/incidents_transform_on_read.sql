-- Incidents layer: points for one tile z/x/y (the source's minzoom is 12).
-- Parameters: z, x, y; prefix ('' = all). Points are never simplified; simplify and min_area
-- are bound but unused here.
-- age_days is whole calendar days since the report, in the session time zone (UTC under Django).
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS bbox
),
mvtgeom AS (
  SELECT i.id,
         ST_AsMVTGeom(ST_Transform(i.location, 3857), bounds.env, 4096, 64, true) AS geom,
         i.code, i.status, i.category, i.source,
         (current_date - i.reported_at::date)::int AS age_days
  FROM layers_incident i
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = i.grid_id
  WHERE i.location && bounds.bbox                          -- GiST prefilter
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping through the grid
)
SELECT ST_AsMVT(mvtgeom, 'incidents', 4096, 'geom', 'id') FROM mvtgeom WHERE geom IS NOT NULL
