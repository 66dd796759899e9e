"""Pagination for GeoJSON lists: a FeatureCollection with count / next / previous."""

from rest_framework_gis.pagination import GeoJsonPagination


class FeaturePagination(GeoJsonPagination):
    page_size = 500
    max_page_size = 5000
