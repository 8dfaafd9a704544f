"""The address of the client that called, for the per-IP rate limit and the audit log."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The peer's address, or behind a proxy the last one the configured header names.

    The right-most entry of X-Forwarded-For is the one our own proxy added; entries left of it
    come from the client and could be forged.
    """
    header = settings.PROVISIONING_CLIENT_IP_HEADER
    raw: str | None = request.META.get("REMOTE_ADDR")
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        candidates = [part.strip() for part in forwarded.split(",") if part.strip()]
        if candidates:
            raw = candidates[-1]
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None
