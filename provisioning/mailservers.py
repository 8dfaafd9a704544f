"""The platform's IMAP and SMTP servers as clients must be told about them.

One description, read from the settings, feeds both Delta Chat's `dclogin:` codes and the
autoconfig XML, so the two can never disagree. A port set to 0 is a listener that is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from django.conf import settings

Security = Literal["ssl", "starttls", "plain"]


@dataclass(frozen=True)
class ServerEndpoint:
    hostname: str
    port: int
    security: Security


def imap_endpoints() -> list[ServerEndpoint]:
    """Implicit TLS first: it is what clients should prefer (RFC 8314)."""
    return _endpoints(settings.IMAPS_PORT, settings.IMAP_PORT)


def smtp_endpoints() -> list[ServerEndpoint]:
    return _endpoints(settings.SUBMISSIONS_PORT, settings.SUBMISSION_PORT)


def _endpoints(implicit_tls_port: int, starttls_port: int) -> list[ServerEndpoint]:
    candidates: list[tuple[int, Security]] = [
        (implicit_tls_port, "ssl"),
        (starttls_port, "starttls"),
    ]
    return [
        ServerEndpoint(hostname=settings.MAIL_HOSTNAME, port=port, security=security)
        for port, security in candidates
        if port
    ]


def dclogin_url(*, address: str, password: str) -> str:
    """Delta Chat's `dclogin:` code: the address, its password and the preferred servers."""
    params: dict[str, str | int] = {"p": password, "v": 1}
    for key, endpoints in (("i", imap_endpoints()), ("s", smtp_endpoints())):
        if endpoints:
            best = endpoints[0]
            params.update(
                {f"{key}h": best.hostname, f"{key}p": best.port, f"{key}s": best.security}
            )
    return f"dclogin:{quote(address, safe='@')}?{urlencode(params, quote_via=quote)}"
