"""The account-creation endpoint Delta Chat calls, and the autoconfig document.

Delta Chat POSTs an empty body without a content type and does not follow redirects, so the
endpoint is exempt from CSRF (it authenticates by the token, not by a session) and routed at
exactly the configured path.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Domain
from mailplatform.errors import (
    Conflict,
    LimitExceeded,
    NotFound,
    NotPermitted,
    ServiceError,
    TemporaryFailure,
)
from provisioning.autoconfig import autoconfig_xml
from provisioning.client_address import client_address
from provisioning.errors import RateLimited, TokenUnusable
from provisioning.services import token_redeem

# mailadm's error statuses, except that an unusable token is 410 (mailadm answered 500).
_ERROR_STATUS: list[tuple[type[ServiceError], int]] = [
    (RateLimited, 429),
    (NotPermitted, 403),
    (TokenUnusable, 410),
    (LimitExceeded, 410),
    (Conflict, 409),
    (NotFound, 404),
    (TemporaryFailure, 503),
]


def _error(status: int, reason: str) -> JsonResponse:
    response = JsonResponse(
        {"status_code": status, "type": "error", "reason": reason}, status=status
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def new_email(request: HttpRequest) -> HttpResponse:
    """POST ?t=TOKEN: a new temporary account, as JSON {email, password, expiry, ttl}."""
    if request.method != "POST":
        response = _error(405, "Use POST.")
        response["Allow"] = "POST"
        return response
    try:
        created = token_redeem(secret=request.GET.get("t"), remote_addr=client_address(request))
    except ServiceError as exc:
        status = next((code for klass, code in _ERROR_STATUS if isinstance(exc, klass)), 400)
        response = _error(status, exc.reason)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    response = JsonResponse(
        {
            "email": created.account.address,
            "password": created.password,
            "expiry": created.expiry,
            "ttl": created.ttl,
        }
    )
    response["Cache-Control"] = "no-store"  # it holds a password
    return response


def autoconfig(request: HttpRequest) -> HttpResponse:
    """Mozilla autoconfig for `?emailaddress=` or the host (`autoconfig.<domain>`)."""
    address = request.GET.get("emailaddress", "")
    name = address.rpartition("@")[2] if "@" in address else request.get_host()
    name = name.split(":")[0].strip().lower().removeprefix("autoconfig.")
    domain = Domain.objects.filter(name=name, is_active=True).first()
    if domain is None:
        raise Http404("No such mail domain here.")
    return HttpResponse(autoconfig_xml(domain.name), content_type="application/xml; charset=utf-8")
