-- The households the residents part of the imports suite links its rows to, set-based: the
-- per_building parameter's number of households for every building, code "<building code>-<n>",
-- on floor n, room n01 (unit left empty), tier green.
INSERT INTO layers_household (code, floor, room, tier, building_id, unit_id)
SELECT b.code || '-' || n, n, n || '01', 'green', b.id, NULL
FROM layers_building b CROSS JOIN generate_series(1, %(per_building)s) AS n
ORDER BY b.id, n
