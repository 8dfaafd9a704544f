"""/api/v1/auth/login, /logout and /whoami: bearer tokens for accounts and web users."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.authentication import BearerTokenAuthentication
from accounts.api.schema import errors
from accounts.api.serializers import LoginResponseSerializer, LoginSerializer, WhoamiSerializer
from accounts.api.views.base import actor_of, parse
from accounts.login import throttle_failure, throttle_is_locked, throttle_success
from accounts.models import Account, ApiToken, User
from accounts.permissions import is_superadmin
from accounts.principals import AccountPrincipal
from mailplatform.errors import ValidationFailed

# The same answer whether the name is unknown, the password wrong or the login refused.
BAD_CREDENTIALS: Final = "Invalid username or password."


def _principal(actor: User | AccountPrincipal) -> dict[str, str]:
    if isinstance(actor, AccountPrincipal):
        return {"type": "account", "name": actor.account.address}
    return {"type": "user", "name": actor.get_username()}


def _check_credentials(request: Request, username: str, password: str) -> User | Account | None:
    """An account for an address that logs in, else a web user, else None."""
    if "@" in username:
        account = services.account_authenticate(address=username, password=password)
        if account is not None:
            return account
    # Web usernames may look like addresses too. Django's backends refuse inactive users.
    user = authenticate(request._request, username=username, password=password)
    return user if isinstance(user, User) else None


def _expiry(values: dict[str, Any]) -> datetime | None:
    now = timezone.now()
    if "expires_in" in values:
        return now + timedelta(seconds=values["expires_in"])
    if "expires_at" in values:
        expires_at: datetime = values["expires_at"]
        if expires_at <= now:
            raise ValidationFailed("expires_at must be in the future.", field="expires_at")
        return expires_at
    ttl = settings.API_TOKEN_DEFAULT_TTL
    return now + timedelta(seconds=ttl) if ttl else None


class LoginView(APIView):
    """Trade an address or web username and its password for a bearer token."""

    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    # A stale token sent along must not stop anyone from logging in again.
    authentication_classes: list[type] = []

    def get_authenticate_header(self, request: Request) -> str:
        # Without it DRF turns 401 into 403 for views that take no authentication.
        return BearerTokenAuthentication().authenticate_header(request)

    @extend_schema(
        summary="Log in and get a bearer token",
        request=LoginSerializer,
        responses={200: LoginResponseSerializer, **errors(400, 401, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        values = parse(LoginSerializer, request)
        username, remote_addr = values["username"], request.META.get("REMOTE_ADDR")
        # The API does not sleep on failures (that would hold a web worker); lockout applies.
        if throttle_is_locked(username=username, remote_addr=remote_addr):
            raise Throttled(
                wait=settings.LOGIN_LOCKOUT_DURATION,
                detail="Too many failed logins; try again later.",
            )
        principal = _check_credentials(request, username, values["password"])
        if principal is None:
            throttle_failure(username=username, remote_addr=remote_addr)
            raise AuthenticationFailed(BAD_CREDENTIALS)
        throttle_success(username=username)
        actor = AccountPrincipal(principal) if isinstance(principal, Account) else principal
        token, secret = services.api_token_create(
            principal=principal,
            name=values["name"],
            expires_at=_expiry(values),
            acting_user=actor,
        )
        body = {"token": secret, "expires_at": token.expires_at, "principal": _principal(actor)}
        return Response(LoginResponseSerializer(body).data)


class LogoutView(APIView):
    """Revoke the bearer token this request presents."""

    parser_classes = [JSONParser]

    @extend_schema(
        summary="Revoke the presented token",
        request=None,
        responses={
            204: OpenApiResponse(description="The token no longer works."),
            **errors(400, 401),
        },
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        if not isinstance(request.auth, ApiToken):
            raise ValidationFailed("Only a bearer token can be revoked here.")
        services.api_token_revoke(token=request.auth, acting_user=actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WhoamiView(APIView):
    """Who the presented credentials act for."""

    @extend_schema(summary="Who am I", responses={200: WhoamiSerializer, **errors(401)})
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        managed = (
            list(actor.managed_domains.values_list("name", flat=True))
            if isinstance(actor, User)
            else []
        )
        token = request.auth if isinstance(request.auth, ApiToken) else None
        body = {
            "principal": _principal(actor),
            "is_superadmin": is_superadmin(actor),
            "managed_domains": sorted(managed),
            "token": token,
        }
        return Response(WhoamiSerializer(body).data)
