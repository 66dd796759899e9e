-- The grids whose cached figures an import changed: those its link SQL noted in
-- import_touched_grids, with their ancestors (a grid's figures count its sub-grids; a grid's
-- ancestors' codes are its code cut to 15 and 17 digits).
SELECT DISTINCT a.id
FROM import_touched_grids t
JOIN layers_grid g ON g.id = t.grid_id
JOIN layers_grid a ON a.code IN (left(g.code, 15), left(g.code, 17), g.code)
