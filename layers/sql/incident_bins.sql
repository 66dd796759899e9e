-- Incident bins (layers_incident_bin): incidents counted per grid, status and bin cell, with the
-- sums of their EPSG:3857 coordinates, for the low-zoom incident tiles (tiles/sql/incident_clusters.sql).
-- A bin cell is one Web-Mercator tile of zoom 17 (INCIDENT_BIN_ZOOM in layers/models/incidents.py),
-- numbered like XYZ tiles (column from the west, row from the north).
--
-- Maintenance is set-based: statement-level AFTER triggers with transition tables add each
-- statement's net change per bin in ONE grouped upsert, so a COPY of millions of rows costs one
-- aggregate, and a single-row edit a few index look-ups. Bins emptied by a write are deleted.
-- TRUNCATE of layers_incident truncates the bins. geogov_refresh_incident_bins() rebuilds them all.
-- Upserts take the bins in one fixed order (cell, then grid and status), so concurrent writers cannot
-- deadlock on them, and new bins land in the table in cell order, the order tiles read them in.

-- Bin column / row of a point in EPSG:3857 (the world is 2 * 20037508.342789244 m wide, 2^17 bins).
CREATE OR REPLACE FUNCTION geogov_incident_cell_x(p geometry) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor((ST_X(p) + 20037508.342789244) * 131072 / 40075016.685578488)::integer;

CREATE OR REPLACE FUNCTION geogov_incident_cell_y(p geometry) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor((20037508.342789244 - ST_Y(p)) * 131072 / 40075016.685578488)::integer;

-- Adds the net change of one statement to the bins. INSERT: +1 per new row; DELETE: -1 per old row;
-- UPDATE: only rows whose grid, status or location changed (old and new row paired by id), -1 for
-- the old version and +1 for the new one. One grouped upsert in a fixed order; then the bins the
-- statement emptied (only old rows' bins can empty) are deleted.
CREATE OR REPLACE FUNCTION geogov_incident_bins_on_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO layers_incident_bin AS b (grid_id, status, cell_x, cell_y, count, sum_x, sum_y)
    SELECT grid_id, status, geogov_incident_cell_x(location_3857), geogov_incident_cell_y(location_3857),
           count(*), sum(ST_X(location_3857)), sum(ST_Y(location_3857))
    FROM new_rows
    GROUP BY 1, 2, 3, 4
    ORDER BY 3, 4, 1, 2
    ON CONFLICT (grid_id, status, cell_x, cell_y) DO UPDATE
      SET count = b.count + EXCLUDED.count, sum_x = b.sum_x + EXCLUDED.sum_x, sum_y = b.sum_y + EXCLUDED.sum_y;
    RETURN NULL;
  END IF;

  IF TG_OP = 'DELETE' THEN
    INSERT INTO layers_incident_bin AS b (grid_id, status, cell_x, cell_y, count, sum_x, sum_y)
    SELECT grid_id, status, geogov_incident_cell_x(location_3857), geogov_incident_cell_y(location_3857),
           -count(*), -sum(ST_X(location_3857)), -sum(ST_Y(location_3857))
    FROM old_rows
    GROUP BY 1, 2, 3, 4
    ORDER BY 3, 4, 1, 2
    ON CONFLICT (grid_id, status, cell_x, cell_y) DO UPDATE
      SET count = b.count + EXCLUDED.count, sum_x = b.sum_x + EXCLUDED.sum_x, sum_y = b.sum_y + EXCLUDED.sum_y;
  ELSE  -- UPDATE (FULL JOIN: a row whose id changed counts as deleted and inserted)
    INSERT INTO layers_incident_bin AS b (grid_id, status, cell_x, cell_y, count, sum_x, sum_y)
    SELECT d.grid_id, d.status, geogov_incident_cell_x(d.p), geogov_incident_cell_y(d.p),
           sum(d.n), sum(d.n * ST_X(d.p)), sum(d.n * ST_Y(d.p))
    FROM new_rows AS nr
    FULL JOIN old_rows AS o ON o.id = nr.id
    CROSS JOIN LATERAL (VALUES (nr.grid_id, nr.status, nr.location_3857, 1),
                               (o.grid_id, o.status, o.location_3857, -1)) AS d (grid_id, status, p, n)
    WHERE (nr.grid_id, nr.status, nr.location_3857) IS DISTINCT FROM (o.grid_id, o.status, o.location_3857)
      AND d.p IS NOT NULL
    GROUP BY 1, 2, 3, 4
    HAVING sum(d.n) <> 0 OR sum(d.n * ST_X(d.p)) <> 0 OR sum(d.n * ST_Y(d.p)) <> 0
    ORDER BY 3, 4, 1, 2
    ON CONFLICT (grid_id, status, cell_x, cell_y) DO UPDATE
      SET count = b.count + EXCLUDED.count, sum_x = b.sum_x + EXCLUDED.sum_x, sum_y = b.sum_y + EXCLUDED.sum_y;
  END IF;
  DELETE FROM layers_incident_bin AS b
  USING (SELECT DISTINCT grid_id, status, geogov_incident_cell_x(location_3857) AS cell_x,
                geogov_incident_cell_y(location_3857) AS cell_y
         FROM old_rows) AS k
  WHERE b.count = 0
    AND (b.status, b.cell_x, b.cell_y) = (k.status, k.cell_x, k.cell_y)
    AND b.grid_id IS NOT DISTINCT FROM k.grid_id;
  RETURN NULL;
END;
$$;

-- When the same TRUNCATE statement names the bins too (Django's test flush truncates every table at
-- once), they are empty already, and truncating them again here would fail ("in use").
CREATE OR REPLACE FUNCTION geogov_incident_bins_on_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM layers_incident_bin) THEN
    TRUNCATE layers_incident_bin;
  END IF;
  RETURN NULL;
END;
$$;

-- Rebuild all bins from layers_incident; returns the number of bins.
CREATE OR REPLACE FUNCTION geogov_refresh_incident_bins() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  bins bigint;
BEGIN
  TRUNCATE layers_incident_bin;
  INSERT INTO layers_incident_bin (grid_id, status, cell_x, cell_y, count, sum_x, sum_y)
  SELECT grid_id, status, geogov_incident_cell_x(location_3857), geogov_incident_cell_y(location_3857),
         count(*), sum(ST_X(location_3857)), sum(ST_Y(location_3857))
  FROM layers_incident
  GROUP BY 1, 2, 3, 4
  ORDER BY 3, 4;  -- cell order: a tile's bins share few pages
  GET DIAGNOSTICS bins = ROW_COUNT;
  RETURN bins;
END;
$$;

-- Room on each page so that count/sum updates are HOT (no indexed column changes).
ALTER TABLE layers_incident_bin SET (fillfactor = 70);

DROP TRIGGER IF EXISTS geogov_incident_bins_insert ON layers_incident;
DROP TRIGGER IF EXISTS geogov_incident_bins_update ON layers_incident;
DROP TRIGGER IF EXISTS geogov_incident_bins_delete ON layers_incident;
DROP TRIGGER IF EXISTS geogov_incident_bins_truncate ON layers_incident;
CREATE TRIGGER geogov_incident_bins_insert AFTER INSERT ON layers_incident
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geogov_incident_bins_on_write();
CREATE TRIGGER geogov_incident_bins_update AFTER UPDATE ON layers_incident
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION geogov_incident_bins_on_write();
CREATE TRIGGER geogov_incident_bins_delete AFTER DELETE ON layers_incident
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geogov_incident_bins_on_write();
CREATE TRIGGER geogov_incident_bins_truncate AFTER TRUNCATE ON layers_incident
  FOR EACH STATEMENT EXECUTE FUNCTION geogov_incident_bins_on_truncate();

-- Bins for the incidents already there.
SELECT geogov_refresh_incident_bins();
