-- After residents are written (the ids parameter): the grids they left and the grids they are in
-- now go into import_touched_grids, whose figures the kind's after_link hook recounts (with their
-- ancestors). Returns how many written residents live in a building that has a grid.
DROP TABLE IF EXISTS import_touched_grids;

CREATE TEMP TABLE import_touched_grids (grid_id bigint) ON COMMIT DROP;

INSERT INTO import_touched_grids
SELECT grid_id FROM import_old_grids WHERE id IN (SELECT unnest(%(ids)s::bigint[])) AND grid_id IS NOT NULL
UNION
SELECT b.grid_id
FROM layers_resident r JOIN layers_household h ON h.id = r.household_id JOIN layers_building b ON b.id = h.building_id
WHERE r.id IN (SELECT unnest(%(ids)s::bigint[])) AND b.grid_id IS NOT NULL;

SELECT count(*)
FROM layers_resident r JOIN layers_household h ON h.id = r.household_id JOIN layers_building b ON b.id = h.building_id
WHERE r.id IN (SELECT unnest(%(ids)s::bigint[])) AND b.grid_id IS NOT NULL
