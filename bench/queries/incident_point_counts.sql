-- Raw incident points of one tile z/x/y, counted two ways: inside the tile, and inside the tile
-- widened by the tile SQL's 64/4096 buffer (what bench/sql/incidents_points.sql puts in the tile).
-- "Inside" is half-open in Web Mercator like a tile row/column index (west and north edges belong
-- to the tile, east and south ones to the next), computed from the lon/lat column on read so that
-- it does not depend on any stored copy. Parameters: z, x, y; prefix ('' = all), scoped through the
-- incident's grid like the tile SQL; simplify and min_area are bound but unused.
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS outer_box
),
points AS (
  SELECT ST_Transform(i.location, 3857) AS p
  FROM layers_incident i
  CROSS JOIN bounds
  LEFT JOIN layers_grid g ON g.id = i.grid_id
  WHERE i.location && bounds.outer_box                     -- GiST prefilter (the buffered tile)
    AND (%(prefix)s = '' OR g.code LIKE %(prefix)s || '%%') -- area scoping through the grid
)
SELECT count(*) FILTER (WHERE ST_X(p) >= ST_XMin(env) AND ST_X(p) < ST_XMax(env)
                          AND ST_Y(p) > ST_YMin(env) AND ST_Y(p) <= ST_YMax(env)) AS in_tile,
       count(*) AS in_buffered_tile
FROM points CROSS JOIN bounds
