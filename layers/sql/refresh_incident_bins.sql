-- Rebuild the incident bins from scratch (function in incident_bins.sql); returns the bin count.
SELECT geogov_refresh_incident_bins()
