"""Refusals of the account-creation endpoint that the shared errors do not cover.

Each is a `mailplatform.errors.ServiceError`, so commands print the reason like any other.
"""

from __future__ import annotations

from mailplatform.errors import NotPermitted, ServiceError


class TokenRefused(NotPermitted):
    """No token, or one that does not exist (HTTP 403). The reason never echoes the token."""

    code = "token_invalid"


class TokenUnusable(ServiceError):
    """The token exists but is inactive, expired or used up (HTTP 410)."""

    code = "token_unusable"


class RateLimited(ServiceError):
    """Too many attempts from this client (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
