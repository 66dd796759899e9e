-- Spatial assignment of the buildings just written (the ids parameter) happens in the write itself
-- (buildings_upsert.sql computes each staged building's leaf grid and village and writes them with
-- it). Returns how many of the written buildings have a grid.
SELECT count(*) FROM layers_building b WHERE b.id IN (SELECT unnest(%(ids)s::bigint[])) AND b.grid_id IS NOT NULL
