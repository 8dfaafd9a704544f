"""Bearer tokens for the REST API (RFC 6750): `Authorization: Bearer <token>`.

Only a SHA-256 digest of each token is stored, so the lookup hashes what the client presents.
A token acts for a web user (request.user is the User) or for a mail account (request.user is
an AccountPrincipal); it stops working as soon as its principal may no longer log in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.principals import AccountPrincipal
from accounts.services import token_digest

# Writing last_used_at on every request would turn each read into a write; a minute is precise
# enough to tell which tokens are still in use.
LAST_USED_PRECISION: Final = timedelta(minutes=1)
# One message for every refusal, so a client cannot tell an unknown token from a revoked one.
INVALID_TOKEN: Final = "Invalid or expired token."  # noqa: S105 (a message, not a secret)


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User | AccountPrincipal, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: let the next authentication class try
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(INVALID_TOKEN) from None
        return self.authenticate_token(secret)

    def authenticate_token(self, secret: str) -> tuple[User | AccountPrincipal, ApiToken]:
        token = (
            ApiToken.objects.select_related("user", "account__domain")
            .filter(digest=token_digest(secret))
            .first()
        )
        now = timezone.now()
        if token is None or (token.expires_at is not None and token.expires_at <= now):
            raise AuthenticationFailed(INVALID_TOKEN)
        principal: User | AccountPrincipal
        if token.user is not None:
            if not token.user.is_active:
                raise AuthenticationFailed(INVALID_TOKEN)
            principal = token.user
        else:
            assert token.account is not None  # the one-principal constraint guarantees it
            if token.account.login_refusal(now) is not None:
                raise AuthenticationFailed(INVALID_TOKEN)
            principal = AccountPrincipal(account=token.account)
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return principal, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to unauthenticated requests, as RFC 6750 asks.
        return f'{self.keyword} realm="api"'
