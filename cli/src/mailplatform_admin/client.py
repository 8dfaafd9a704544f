"""The REST API over the standard library's urllib: JSON in and out, bearer tokens, TLS.

Redirects are not followed: urllib would carry the Authorization header to wherever the
redirect points. Loopback URLs bypass any configured HTTP proxy.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlencode

from mailplatform_admin import __version__
from mailplatform_admin.connection import Settings, Token
from mailplatform_admin.exits import CommandFailed

API: Final = "/api/v1"
Query = Mapping[str, str | Sequence[str] | None]


@dataclass(eq=False)
class ApiError(Exception):
    """The server answered with an error (or with something that is not the API)."""

    status: int
    code: str
    reason: str
    is_api_error: bool  # the body was the platform's JSON error shape

    def __str__(self) -> str:
        return self.reason

    @property
    def temporary(self) -> bool:
        """Worth retrying as is: the server failed, or asked to wait."""
        return self.status >= 500 or self.status == 429


class Unreachable(Exception):
    """No answer: connection refused, DNS, TLS handshake, timeout, connection dropped."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


def account_path(address: str, *rest: str) -> str:
    """/api/v1/accounts/<address>/<rest...>, each piece percent-encoded (slashes too)."""
    pieces = [quote(address, safe="@"), *(quote(piece, safe="") for piece in rest)]
    return f"{API}/accounts/" + "/".join(pieces)


class Client:
    def __init__(self, settings: Settings, token: Token | None) -> None:
        self.settings = settings
        self.token = token
        handlers: list[urllib.request.BaseHandler] = [_NoRedirects()]
        if settings.is_loopback:
            handlers.append(urllib.request.ProxyHandler({}))
        if settings.url.startswith("https:"):
            handlers.append(urllib.request.HTTPSHandler(context=self._tls_context()))
        self._opener = urllib.request.build_opener(*handlers)

    def _tls_context(self) -> ssl.SSLContext:
        if not self.settings.verify_cert:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        try:
            return ssl.create_default_context(cafile=self.settings.cafile)
        except (OSError, ssl.SSLError) as error:
            raise CommandFailed(f"Cannot load --cafile {self.settings.cafile}: {error}") from None

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
        authenticated: bool = True,
    ) -> Any:
        """The decoded JSON answer (None for an empty one); ApiError or Unreachable."""
        url = self.settings.url + path
        if query:
            pairs = [(k, v) for k, v in query.items() if v is not None]
            url += "?" + urlencode(pairs, doseq=True)
        headers = {"Accept": "application/json", "User-Agent": f"mailplatform-admin/{__version__}"}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = content_type
        if authenticated:
            if self.token is None:
                raise CommandFailed(
                    "No token: give --token-file, set MAILPLATFORM_ADMIN_TOKEN or "
                    "MAILPLATFORM_ADMIN_TOKEN_FILE, or run `mailplatform-admin login -s ADDRESS`."
                )
            headers["Authorization"] = f"Bearer {self.token.secret}"
        # The URL's scheme was checked to be http or https when the settings were resolved.
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with self._opener.open(request, timeout=self.settings.timeout) as response:
                return _decode(response.status, response.read())
        except urllib.error.HTTPError as answer:
            raise _error(answer.code, answer.read()) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", None) or error
            raise Unreachable(f"No answer from {self.settings.url}: {reason}") from None


def _decode(status: int, payload: bytes) -> Any:
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        raise ApiError(
            status, "unexpected", "The answer is not JSON: is --url the platform?", False
        ) from None


def _error(status: int, payload: bytes) -> ApiError:
    try:
        body = json.loads(payload)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("reason"), str):
        return ApiError(status, str(body.get("code", "error")), body["reason"], True)
    if 300 <= status < 400:
        return ApiError(status, "redirect", f"Redirected (HTTP {status}): check --url.", False)
    return ApiError(status, "http_error", f"HTTP {status} without the API's error body.", False)
