-- TileJSON bounds: the lon/lat extent of the grids and divisions inside the user's area.
-- Parameter: prefix ('' = all). Returns NULLs when the area holds nothing.
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (
  SELECT ST_Extent(geom) AS e FROM (
    SELECT boundary AS geom FROM layers_grid WHERE code LIKE %(prefix)s || '%%'
    UNION ALL
    SELECT boundary FROM layers_division WHERE code LIKE %(prefix)s || '%%'
  ) AS area
) AS extent
