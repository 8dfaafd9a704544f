"""The tagged answer a command handler returns, and store errors mapped to response codes."""

from __future__ import annotations

from dataclasses import dataclass

from imapd.imap.responses import ResponseCode
from mailplatform.errors import (
    Conflict,
    LimitExceeded,
    NotFound,
    NotPermitted,
    ServiceError,
    TemporaryFailure,
)

# Codes the store's errors carry that are IMAP response codes as they are (RFC 3501, RFC 4315,
# RFC 5530, RFC 6154, RFC 7889, RFC 9051's HASCHILDREN).
_PASSED_ON = frozenset(
    {
        "ALREADYEXISTS",
        "CANNOT",
        "CLIENTBUG",
        "CONTACTADMIN",
        "EXPUNGEISSUED",
        "HASCHILDREN",
        "INUSE",
        "LIMIT",
        "NONEXISTENT",
        "NOPERM",
        "OVERQUOTA",
        "SERVERBUG",
        "TOOBIG",
        "TRYCREATE",
        "UNAVAILABLE",
        "USEATTR",
    }
)


@dataclass(frozen=True, slots=True)
class Reply:
    status: str  # OK, NO or BAD
    text: str
    code: ResponseCode | str | None = None


def ok(text: str, code: ResponseCode | str | None = None) -> Reply:
    return Reply("OK", text, code)


def no(text: str, code: ResponseCode | str | None = None) -> Reply:
    return Reply("NO", text, code)


def bad(text: str, code: ResponseCode | str | None = None) -> Reply:
    return Reply("BAD", text, code)


def error_code(exc: ServiceError) -> str:
    if exc.code.upper() in _PASSED_ON:
        return exc.code.upper()
    if isinstance(exc, NotFound):
        return "NONEXISTENT"
    if isinstance(exc, NotPermitted):
        return "NOPERM"
    if isinstance(exc, Conflict):
        return "ALREADYEXISTS"
    if isinstance(exc, LimitExceeded):
        return "LIMIT"
    if isinstance(exc, TemporaryFailure):
        return "UNAVAILABLE"
    return "CANNOT"


def refused(exc: ServiceError) -> Reply:
    """`NO [code] reason` for a store or account error."""
    return no(exc.reason, error_code(exc))
