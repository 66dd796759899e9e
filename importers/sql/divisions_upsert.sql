-- Divisions from the staging table into layers_division, keyed by code, parents before children:
-- counties, then towns, then villages, each statement finding the parent (by its code, derived
-- from the child's) in the database, where the statement before may just have put it.
-- Existing codes are updated only where the name or boundary differs (exact geometry equality once
-- the stored rings are oriented as imported ones are: exterior counter-clockwise, ST_ForcePolygonCCW),
-- so re-importing the same file writes nothing. Level and parent follow from the code and never change.
-- Each statement returns one row per division written: id, code, and whether it was inserted.
INSERT INTO layers_division AS d (code, name, level, parent_id, boundary)
SELECT s.code, s.name, 'county', NULL, s.geom
FROM import_rows s
WHERE s.code LIKE '%%000000'
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, boundary = EXCLUDED.boundary
WHERE d.name IS DISTINCT FROM EXCLUDED.name OR ST_ForcePolygonCCW(d.boundary) IS DISTINCT FROM EXCLUDED.boundary
RETURNING d.id, d.code, (xmax = 0) AS inserted;

INSERT INTO layers_division AS d (code, name, level, parent_id, boundary)
SELECT s.code, s.name, 'town', p.id, s.geom
FROM import_rows s JOIN layers_division p ON p.code = left(s.code, 6) || '000000'
WHERE s.code LIKE '%%000' AND s.code NOT LIKE '%%000000'
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, boundary = EXCLUDED.boundary
WHERE d.name IS DISTINCT FROM EXCLUDED.name OR ST_ForcePolygonCCW(d.boundary) IS DISTINCT FROM EXCLUDED.boundary
RETURNING d.id, d.code, (xmax = 0) AS inserted;

INSERT INTO layers_division AS d (code, name, level, parent_id, boundary)
SELECT s.code, s.name, 'village', p.id, s.geom
FROM import_rows s JOIN layers_division p ON p.code = left(s.code, 9) || '000'
WHERE s.code NOT LIKE '%%000'
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, boundary = EXCLUDED.boundary
WHERE d.name IS DISTINCT FROM EXCLUDED.name OR ST_ForcePolygonCCW(d.boundary) IS DISTINCT FROM EXCLUDED.boundary
RETURNING d.id, d.code, (xmax = 0) AS inserted
