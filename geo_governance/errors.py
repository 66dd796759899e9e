"""Exceptions that carry their HTTP status, and the handlers that render them (DRF and plain views)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class GeoGovError(Exception):
    """Base error: a message for the user and the HTTP status it maps to."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        body = {"detail": self.message}
        if self.field:
            body["field"] = self.field
        return body


class BadInput(GeoGovError):
    status_code = status.HTTP_400_BAD_REQUEST


class NotFound(GeoGovError):
    status_code = status.HTTP_404_NOT_FOUND


class Forbidden(GeoGovError):
    status_code = status.HTTP_403_FORBIDDEN


class Conflict(GeoGovError):
    status_code = status.HTTP_409_CONFLICT


def exception_handler(exc, context):
    """Render GeoGovError and Django ValidationError as 4xx JSON instead of a 500."""
    if isinstance(exc, GeoGovError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For plain Django views: render GeoGovError (BadInput, NotFound …) as JSON with its status, as the API does."""
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except GeoGovError as exc:
            return JsonResponse(exc.as_dict(), status=exc.status_code)
    return wrapper
