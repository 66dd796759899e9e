-- Drill-down of one building (layers/api/drilldown.py): the building with this code if it is inside the
-- caller's area, with the codes of its grid and village. The scoping is BuildingQuerySet.for_user's
-- (area_path grid__code, as in tiles/sql/buildings.sql): prefix '' = every building, even one without a
-- grid; otherwise its grid's code starts with the prefix. Never run for a caller without an area.
-- Parameters: code; prefix (layers.models.scoping.area_prefix of the caller).
SELECT b.id, b.code, b.name, b.address, b.floors, b.height, b.use, b.year_built,
       g.code AS grid_code, v.code AS village_code, b.footprint
FROM layers_building b
LEFT JOIN layers_grid g ON g.id = b.grid_id
LEFT JOIN layers_division v ON v.id = b.village_id
WHERE b.code = %(code)s
  AND (%(prefix)s = '' OR starts_with(g.code, %(prefix)s))
