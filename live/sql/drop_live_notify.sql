-- Reverse of live_notify.sql: the triggers, their functions and the event id sequence.
DROP TRIGGER IF EXISTS geogov_live_insert ON layers_incident;
DROP TRIGGER IF EXISTS geogov_live_update ON layers_incident;
DROP TRIGGER IF EXISTS geogov_live_update ON layers_sensor;
DROP FUNCTION IF EXISTS geogov_live_incident_inserted();
DROP FUNCTION IF EXISTS geogov_live_incident_updated();
DROP FUNCTION IF EXISTS geogov_live_sensor_updated();
DROP FUNCTION IF EXISTS geogov_live_incident_message(layers_incident, text, text);
DROP FUNCTION IF EXISTS geogov_live_sensor_message(layers_sensor, text, text);
DROP FUNCTION IF EXISTS geogov_live_grid_code(bigint, geometry);
DROP FUNCTION IF EXISTS geogov_live_building_code(bigint, geometry);
DROP FUNCTION IF EXISTS geogov_live_notify_bulk(text, text, bigint);
DROP SEQUENCE IF EXISTS geogov_live_event_id;
