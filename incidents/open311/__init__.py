"""Open311 GeoReport v2 (services, service definitions, requests GET/POST) over the one intake core."""
