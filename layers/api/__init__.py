"""The REST API for the spatial layers: read-only, area-scoped, personal data masked."""
