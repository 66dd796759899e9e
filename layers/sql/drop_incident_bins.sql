-- Reverse of incident_bins.sql (the table itself is dropped by its model's migration).
DROP TRIGGER IF EXISTS geogov_incident_bins_insert ON layers_incident;
DROP TRIGGER IF EXISTS geogov_incident_bins_update ON layers_incident;
DROP TRIGGER IF EXISTS geogov_incident_bins_delete ON layers_incident;
DROP TRIGGER IF EXISTS geogov_incident_bins_truncate ON layers_incident;
DROP FUNCTION IF EXISTS geogov_incident_bins_on_write();
DROP FUNCTION IF EXISTS geogov_incident_bins_on_truncate();
DROP FUNCTION IF EXISTS geogov_refresh_incident_bins();
DROP FUNCTION IF EXISTS geogov_incident_cell_x(geometry);
DROP FUNCTION IF EXISTS geogov_incident_cell_y(geometry);
