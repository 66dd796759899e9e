-- Drill-down of one building (layers/api/drilldown.py): the divisions and grids above it, its own grid
-- included, that the caller may open: the rows of layers.api.figures.area_parents(user, code, itself=True)
-- in one statement instead of two ORM queries (tests/test_api.py checks they agree).
-- Parameters: divisions, grids (the codes from figures.ancestor_codes); prefix (the caller's area prefix,
-- '' = everything): Division/Grid.objects.for_user keep codes starting with it (area_path "code").
-- Order is applied by the caller (top down, as in area_parents).
SELECT 'division' AS kind, d.code, d.name
FROM layers_division d
WHERE d.code = ANY(%(divisions)s) AND starts_with(d.code, %(prefix)s)
UNION ALL
SELECT 'grid' AS kind, g.code, g.name
FROM layers_grid g
WHERE g.code = ANY(%(grids)s) AND starts_with(g.code, %(prefix)s)
