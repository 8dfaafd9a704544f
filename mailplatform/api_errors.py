"""One JSON error shape for the whole REST API: {"status_code", "code", "reason", "fields"?}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mailplatform import errors

SERVICE_STATUS: dict[type[errors.ServiceError], int] = {
    errors.ValidationFailed: status.HTTP_400_BAD_REQUEST,
    errors.NotPermitted: status.HTTP_403_FORBIDDEN,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.LimitExceeded: status.HTTP_409_CONFLICT,
    errors.TemporaryFailure: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def error_response(
    status_code: int, code: str, reason: str, fields: dict[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {"status_code": status_code, "code": code, "reason": reason}
    if fields:
        body["fields"] = fields
    return Response(body, status=status_code)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            return f"{key}: {_first_message(value)}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, errors.ServiceError):
        code = next(
            (mapped for klass, mapped in SERVICE_STATUS.items() if isinstance(exc, klass)),
            status.HTTP_400_BAD_REQUEST,
        )
        return error_response(
            code, exc.code, exc.reason, {exc.field: [exc.reason]} if exc.field else None
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        field_errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        out = error_response(
            response.status_code, "invalid", _first_message(detail), dict(field_errors)
        )
    else:
        codes = exc.get_codes()
        out = error_response(
            response.status_code,
            codes if isinstance(codes, str) else "error",
            _first_message(detail),
        )
    for header in ("WWW-Authenticate", "Retry-After"):
        if header in response:
            out[header] = response[header]
    return out
