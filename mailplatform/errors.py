"""Errors raised by services and selectors, shared by every interface.

Each carries a machine-readable `code` and a human `reason`; the REST API maps the class to an
HTTP status, the management commands print the reason, the IMAP server picks a response code.
"""

from __future__ import annotations


class ServiceError(Exception):
    code = "error"

    def __init__(self, reason: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(ServiceError):
    """The input is malformed or breaks a rule (HTTP 400)."""

    code = "invalid"


class NotPermitted(ServiceError):
    """The actor may not do this (HTTP 403)."""

    code = "permission_denied"


class NotFound(ServiceError):
    """Missing, or not the actor's to see: the same error for both (HTTP 404)."""

    code = "not_found"


class Conflict(ServiceError):
    """The object already exists (HTTP 409)."""

    code = "conflict"


class LimitExceeded(ServiceError):
    """A quota or count limit would be exceeded (HTTP 409)."""

    code = "limit_exceeded"


class TemporaryFailure(ServiceError):
    """Try again later: a store or dependency is unavailable (HTTP 503)."""

    code = "temporary_failure"
