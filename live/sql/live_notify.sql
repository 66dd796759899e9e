-- Live map events: statement-level AFTER triggers with transition tables on layers_incident
-- (INSERT; UPDATE that changes status) and layers_sensor (UPDATE that changes status) send
-- pg_notify('geogov_live', <json>) once per changed row. A statement that changes more than 50
-- rows (a COPY of 3M incidents, a mass status update) sends ONE summary message instead:
--   {"kind": "bulk", "table": "layers_incident", "op": "insert", "rows": 3000000, ...}
-- so the notification queue never floods. NOTIFY is transactional: listeners get the messages
-- when (and only if) the writing transaction commits.
--
-- Payload limit: pg_notify accepts at most 7999 bytes. Every field below is bounded (codes are
-- varchar(32..64), status/kind short enums, category varchar(50), the title is cut to 100
-- characters), so a message stays under ~1 KB; no free text (description) is ever sent.
--
-- Fields: id (geogov_live_event_id, unique across messages), kind (incident | sensor | bulk),
-- op (insert | update), code, status, old_status, category (incident) / sensor_kind (sensor),
-- title, source, lon, lat, grid (grid code, decides area scoping), building (building code), at.

CREATE SEQUENCE IF NOT EXISTS geogov_live_event_id;

-- The one summary message for a statement with too many rows to announce one by one.
CREATE OR REPLACE FUNCTION geogov_live_notify_bulk(tbl text, op text, nrows bigint) RETURNS void
LANGUAGE sql AS $$
  SELECT pg_notify('geogov_live', json_build_object(
    'id', nextval('geogov_live_event_id'), 'kind', 'bulk', 'table', tbl, 'op', lower(op),
    'rows', nrows, 'at', now())::text);
$$;

-- Grid code of an incident row. Writers often insert first and assign the grid in a second
-- statement (IncidentQuerySet.assign_grids); the INSERT message must still carry the grid, so
-- a row without one falls back to the same rule: the leaf grid covering the point, lowest code.
CREATE OR REPLACE FUNCTION geogov_live_grid_code(p_grid_id bigint, p_location geometry) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    (SELECT g.code FROM layers_grid g WHERE g.id = p_grid_id),
    (SELECT g.code FROM layers_grid g
      WHERE p_grid_id IS NULL AND ST_Covers(g.boundary, p_location)
        AND NOT EXISTS (SELECT 1 FROM layers_grid c WHERE c.parent_id = g.id)
      ORDER BY g.code LIMIT 1));
$$;

-- Building code likewise: the stored building, else the footprint covering the point.
CREATE OR REPLACE FUNCTION geogov_live_building_code(p_building_id bigint, p_location geometry) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    (SELECT b.code FROM layers_building b WHERE b.id = p_building_id),
    (SELECT b.code FROM layers_building b
      WHERE p_building_id IS NULL AND ST_Covers(b.footprint, p_location)
      ORDER BY b.code LIMIT 1));
$$;

-- One incident row as a message.
CREATE OR REPLACE FUNCTION geogov_live_incident_message(r layers_incident, op text, old_status text) RETURNS text
LANGUAGE sql VOLATILE AS $$  -- volatile: takes an event id from the sequence
  SELECT json_build_object(
    'id', nextval('geogov_live_event_id'), 'kind', 'incident', 'op', op,
    'code', r.code, 'status', r.status, 'old_status', old_status,
    'category', r.category, 'source', r.source, 'title', left(r.title, 100),
    'lon', round(ST_X(r.location)::numeric, 7), 'lat', round(ST_Y(r.location)::numeric, 7),
    'grid', geogov_live_grid_code(r.grid_id, r.location),
    'building', geogov_live_building_code(r.building_id, r.location),
    'reported_at', r.reported_at, 'at', now())::text;
$$;

-- One sensor row as a message (sensors are placed when installed: stored grid and building only).
CREATE OR REPLACE FUNCTION geogov_live_sensor_message(r layers_sensor, op text, old_status text) RETURNS text
LANGUAGE sql VOLATILE AS $$  -- volatile: takes an event id from the sequence
  SELECT json_build_object(
    'id', nextval('geogov_live_event_id'), 'kind', 'sensor', 'op', op,
    'code', r.device_id, 'status', r.status, 'old_status', old_status, 'sensor_kind', r.kind,
    'lon', round(ST_X(r.location)::numeric, 7), 'lat', round(ST_Y(r.location)::numeric, 7),
    'grid', (SELECT g.code FROM layers_grid g WHERE g.id = r.grid_id),
    'building', (SELECT b.code FROM layers_building b WHERE b.id = r.building_id),
    'at', now())::text;
$$;

-- AFTER INSERT ON layers_incident (transition table new_rows).
CREATE OR REPLACE FUNCTION geogov_live_incident_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM (SELECT 1 FROM new_rows LIMIT 51) s) > 50 THEN
    PERFORM geogov_live_notify_bulk(TG_TABLE_NAME, TG_OP, (SELECT count(*) FROM new_rows));
  ELSE
    PERFORM pg_notify('geogov_live', geogov_live_incident_message(n, 'insert', NULL))
      FROM new_rows n ORDER BY n.id;
  END IF;
  RETURN NULL;
END;
$$;

-- AFTER UPDATE ON layers_incident (old_rows, new_rows): only rows whose status changed.
-- (A trigger with transition tables cannot name columns, hence the comparison here.)
CREATE OR REPLACE FUNCTION geogov_live_incident_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
BEGIN
  -- A plain count lets the planner hash-join the transition tables (they have no index); a
  -- LIMIT here made it pick a nested loop, quadratic for a large UPDATE that changes no status.
  SELECT count(*) INTO changed
    FROM new_rows n JOIN old_rows o ON o.id = n.id
   WHERE n.status IS DISTINCT FROM o.status;
  IF changed > 50 THEN
    PERFORM geogov_live_notify_bulk(TG_TABLE_NAME, TG_OP, changed);
  ELSIF changed > 0 THEN
    PERFORM pg_notify('geogov_live', geogov_live_incident_message(n, 'update', o.status))
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status IS DISTINCT FROM o.status ORDER BY n.id;
  END IF;
  RETURN NULL;
END;
$$;

-- AFTER UPDATE ON layers_sensor (old_rows, new_rows): only rows whose status changed
-- (online → alarm, alarm → online, → offline …); heartbeats and battery readings stay silent.
CREATE OR REPLACE FUNCTION geogov_live_sensor_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
BEGIN
  -- A plain count lets the planner hash-join the transition tables (they have no index); a
  -- LIMIT here made it pick a nested loop, quadratic for a large UPDATE that changes no status.
  SELECT count(*) INTO changed
    FROM new_rows n JOIN old_rows o ON o.id = n.id
   WHERE n.status IS DISTINCT FROM o.status;
  IF changed > 50 THEN
    PERFORM geogov_live_notify_bulk(TG_TABLE_NAME, TG_OP, changed);
  ELSIF changed > 0 THEN
    PERFORM pg_notify('geogov_live', geogov_live_sensor_message(n, 'update', o.status))
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status IS DISTINCT FROM o.status ORDER BY n.id;
  END IF;
  RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS geogov_live_insert ON layers_incident;
CREATE TRIGGER geogov_live_insert AFTER INSERT ON layers_incident
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION geogov_live_incident_inserted();

DROP TRIGGER IF EXISTS geogov_live_update ON layers_incident;
CREATE TRIGGER geogov_live_update AFTER UPDATE ON layers_incident
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION geogov_live_incident_updated();

DROP TRIGGER IF EXISTS geogov_live_update ON layers_sensor;
CREATE TRIGGER geogov_live_update AFTER UPDATE ON layers_sensor
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION geogov_live_sensor_updated();
