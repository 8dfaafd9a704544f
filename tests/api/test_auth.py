"""Login, logout, whoami and bearer-token authentication."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Account, ApiToken, User
from tests.api.helpers import assert_error

LOGIN = "/api/v1/auth/login"
WHOAMI = "/api/v1/auth/whoami"


def login(client: APIClient, username: str, password: str, **extra: object):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, format="json")


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# --- login -----------------------------------------------------------------------------------


def test_account_logs_in_with_its_address(anon: APIClient, account: Account) -> None:
    response = login(anon, "Alice@Example.org", "alice-pw-1", name="laptop")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["principal"] == {"type": "account", "name": "alice@example.org"}
    assert body["expires_at"] is None
    whoami = bearer(body["token"]).get(WHOAMI).json()
    assert whoami["principal"] == {"type": "account", "name": "alice@example.org"}
    assert whoami["is_superadmin"] is False
    assert whoami["token"]["name"] == "laptop"


def test_web_user_logs_in_with_username(anon: APIClient, domain_admin: User) -> None:
    response = login(anon, "dadmin", "dadmin-password-1")
    assert response.status_code == 200, response.content
    assert response.json()["principal"] == {"type": "user", "name": "dadmin"}
    whoami = bearer(response.json()["token"]).get(WHOAMI).json()
    assert whoami["managed_domains"] == ["example.org"]


def test_web_user_whose_username_looks_like_an_address_logs_in(anon: APIClient, db) -> None:
    User.objects.create_user("ops@corp.test", password="ops-password-1")
    response = login(anon, "ops@corp.test", "ops-password-1")
    assert response.status_code == 200, response.content
    assert response.json()["principal"] == {"type": "user", "name": "ops@corp.test"}


def test_only_the_token_digest_is_stored(anon: APIClient, account: Account) -> None:
    secret = login(anon, "alice@example.org", "alice-pw-1").json()["token"]
    token = ApiToken.objects.get(account=account)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest=secret).exists()
    assert secret.startswith(token.prefix)


def test_wrong_password_and_unknown_user_get_the_same_401(
    anon: APIClient, account: Account, owner: User
) -> None:
    answers = [
        login(anon, "alice@example.org", "wrong-pw"),
        login(anon, "nobody@example.org", "wrong-pw"),
        login(anon, "owner", "wrong-pw"),
        login(anon, "nobody", "wrong-pw"),
    ]
    for response in answers:
        assert_error(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert len({r.content for r in answers}) == 1
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "refusal",
    [
        {"is_active": False},
        {"expires_at": timezone.now() - timedelta(days=1)},
        {"deletion_pending_since": timezone.now()},
    ],
)
def test_refused_account_cannot_log_in(anon: APIClient, account: Account, refusal: dict) -> None:
    Account.objects.filter(pk=account.pk).update(**refusal)
    response = login(anon, "alice@example.org", "alice-pw-1")
    assert_error(response, 401, "authentication_failed")
    assert response.json()["reason"] == login(anon, "alice@example.org", "bad").json()["reason"]
    assert not ApiToken.objects.exists()


def test_account_in_disabled_domain_cannot_log_in(anon: APIClient, account: Account) -> None:
    account.domain.is_active = False
    account.domain.save()
    assert_error(login(anon, "alice@example.org", "alice-pw-1"), 401, "authentication_failed")


def test_inactive_web_user_cannot_log_in(anon: APIClient, owner: User) -> None:
    owner.is_active = False
    owner.save()
    assert_error(login(anon, "owner", "owner-password-1"), 401, "authentication_failed")


def test_expires_in_sets_the_token_expiry(anon: APIClient, account: Account) -> None:
    before = timezone.now()
    response = login(anon, "alice@example.org", "alice-pw-1", expires_in=600)
    after = timezone.now()
    token = ApiToken.objects.get(account=account)
    assert token.expires_at is not None
    assert before + timedelta(seconds=600) <= token.expires_at <= after + timedelta(seconds=600)
    assert response.json()["expires_at"] is not None


def test_expires_at_sets_the_token_expiry(anon: APIClient, account: Account) -> None:
    response = login(anon, "alice@example.org", "alice-pw-1", expires_at="2040-05-01T12:00:00Z")
    assert response.status_code == 200, response.content
    expires_at = ApiToken.objects.get(account=account).expires_at
    assert expires_at is not None
    assert (expires_at.year, expires_at.month, expires_at.day) == (2040, 5, 1)


def test_default_token_lifetime_applies(anon: APIClient, account: Account, settings) -> None:
    settings.API_TOKEN_DEFAULT_TTL = 3600
    before = timezone.now()
    login(anon, "alice@example.org", "alice-pw-1")
    after = timezone.now()
    expires_at = ApiToken.objects.get(account=account).expires_at
    assert expires_at is not None
    assert before + timedelta(hours=1) <= expires_at <= after + timedelta(hours=1)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"expires_in": 60, "expires_at": "2040-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_in": 0}, "expires_in"),
    ],
)
def test_bad_expiry_is_400(anon: APIClient, account: Account, extra: dict, field: str) -> None:
    response = login(anon, "alice@example.org", "alice-pw-1", **extra)
    assert_error(response, 400, "invalid", field=field)
    assert not ApiToken.objects.exists()


def test_login_ignores_a_stale_bearer_header(account: Account) -> None:
    response = login(bearer("mpt_revoked-long-ago"), "alice@example.org", "alice-pw-1")
    assert response.status_code == 200, response.content


# --- bearer authentication -------------------------------------------------------------------


def test_unknown_token_is_401(db) -> None:
    response = bearer("mpt_not-a-real-token").get(WHOAMI)
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_malformed_authorization_header_is_401(db) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    assert_error(client.get(WHOAMI), 401, "authentication_failed")


def test_expired_token_is_401(account: Account) -> None:
    _token, secret = services.api_token_create(
        principal=account, expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = bearer(secret).get(WHOAMI)
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_stops_working_when_the_account_is_disabled(account: Account) -> None:
    _token, secret = services.api_token_create(principal=account)
    assert bearer(secret).get(WHOAMI).status_code == 200
    services.account_update(account=account, acting_user=None, is_active=False)
    assert_error(bearer(secret).get(WHOAMI), 401, "authentication_failed")


def test_token_of_an_inactive_web_user_is_401(owner: User) -> None:
    _token, secret = services.api_token_create(principal=owner)
    owner.is_active = False
    owner.save()
    assert_error(bearer(secret).get(WHOAMI), 401, "authentication_failed")


def test_last_used_is_written_at_most_once_a_minute(account: Account) -> None:
    token, secret = services.api_token_create(principal=account)
    client = bearer(secret)
    client.get(WHOAMI)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None

    recent = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    client.get(WHOAMI)
    token.refresh_from_db()
    assert token.last_used_at == recent

    stale = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    client.get(WHOAMI)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > stale + timedelta(minutes=1)


# --- logout ----------------------------------------------------------------------------------


def test_logout_revokes_only_the_presented_token(account: Account) -> None:
    _t1, kept = services.api_token_create(principal=account)
    _t2, revoked = services.api_token_create(principal=account)
    response = bearer(revoked).post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert_error(bearer(revoked).get(WHOAMI), 401, "authentication_failed")
    assert bearer(kept).get(WHOAMI).status_code == 200
    assert ApiToken.objects.filter(account=account).count() == 1


def test_logout_with_a_session_is_400(owner: User) -> None:
    client = APIClient()
    client.force_login(owner)
    assert_error(client.post("/api/v1/auth/logout"), 400, "invalid")
    assert client.get(WHOAMI).json()["token"] is None
