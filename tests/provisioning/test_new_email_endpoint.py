"""POST /new_email?t=TOKEN (and POST /?t=TOKEN): what Delta Chat calls to get an account."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, AuditEvent, CreatedVia
from provisioning.models import Token, TokenAccount
from provisioning.tokens import LOCAL_PART_ALPHABET


def delta_chat_post(client: Client, path: str, **extra):
    """What Delta Chat sends: POST, empty body, no content type (Client.generic adds none)."""
    return client.generic("POST", path, **extra)


def test_delta_chat_shaped_request_gets_a_working_account(client, token):
    response = delta_chat_post(client, f"/new_email?t={token.secret}")
    assert response.status_code == 200
    assert "CONTENT_TYPE" not in response.wsgi_request.META
    body = response.json()
    assert set(body) == {"email", "password", "expiry", "ttl"}
    assert (body["expiry"], body["ttl"]) == ("1d", 86400)
    local, _, domain = body["email"].partition("@")
    assert domain == "example.org"
    assert re.fullmatch(rf"tmp\.[{LOCAL_PART_ALPHABET}]{{8}}", local)
    assert len(body["password"]) >= 20
    assert response["Cache-Control"] == "no-store"
    account = account_services.account_authenticate(
        address=body["email"], password=body["password"]
    )
    assert account is not None
    assert account.created_via == CreatedVia.TOKEN
    assert account.expires_at is not None
    assert (
        timedelta(hours=23, minutes=59) < account.expires_at - timezone.now() <= timedelta(days=1)
    )
    token.refresh_from_db()
    assert token.usecount == 1
    assert TokenAccount.objects.get(account=account).token == token


def test_root_path_works_as_in_mailadms_docs(client, token):
    response = delta_chat_post(client, f"/?t={token.secret}&n={token.name}")
    assert response.status_code == 200
    assert response.json()["email"].endswith("@example.org")


def test_endpoint_needs_no_csrf_token(token):
    response = delta_chat_post(Client(enforce_csrf_checks=True), f"/new_email?t={token.secret}")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/new_email/", "/new_email//"])
def test_only_the_exact_path_is_routed_and_nothing_redirects(client, token, path):
    response = delta_chat_post(client, f"{path}?t={token.secret}")
    assert response.status_code == 404
    assert not Account.objects.exists()


def test_the_exact_path_is_not_redirected(client, token):
    response = delta_chat_post(client, f"/new_email?t={token.secret}")
    assert response.status_code == 200
    assert "Location" not in response


def test_each_request_gets_a_different_address_and_password(client, token):
    first = delta_chat_post(client, f"/new_email?t={token.secret}").json()
    second = delta_chat_post(client, f"/new_email?t={token.secret}").json()
    assert first["email"] != second["email"]
    assert first["password"] != second["password"]


def _assert_error(response, status: int) -> dict:
    assert response.status_code == status
    body = response.json()
    assert body["status_code"] == status
    assert body["type"] == "error"
    assert body["reason"]
    return body


def test_missing_token_is_403(client, token):
    body = _assert_error(delta_chat_post(client, "/new_email"), 403)
    assert "?t" in body["reason"]
    assert not Account.objects.exists()


def test_unknown_token_is_403_and_never_echoed(client, token):
    guess = "X" * 32
    response = delta_chat_post(client, f"/new_email?t={guess}")
    body = _assert_error(response, 403)
    assert guess not in json.dumps(body)
    refusal = AuditEvent.objects.get(action="token.refuse")
    assert guess not in json.dumps(refusal.detail)
    assert refusal.target == ""
    assert refusal.remote_addr == "127.0.0.1"


def test_token_with_the_right_digest_but_other_text_is_refused(client, token):
    # The digest index finds the row; hmac.compare_digest must still confirm the secret.
    Token.objects.filter(pk=token.pk).update(secret="different-secret-of-22ch")
    _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 403)


def test_inactive_token_is_410(client, make_token):
    token = make_token("off", is_active=False)
    body = _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 410)
    assert "inactive" in body["reason"]
    assert not Account.objects.exists()


def test_token_of_a_disabled_domain_is_410(client, token, domain):
    account_services.domain_update(domain=domain, acting_user=None, is_active=False)
    _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 410)


def test_expired_token_is_410(client, make_token):
    token = make_token("old", valid_until=timezone.now() - timedelta(seconds=1))
    body = _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 410)
    assert "expired" in body["reason"]


def test_used_up_token_is_410_and_creates_nothing_more(client, make_token):
    token = make_token("two", maxuse=2)
    for _ in range(2):
        assert delta_chat_post(client, f"/new_email?t={token.secret}").status_code == 200
    body = _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 410)
    assert "used up" in body["reason"]
    assert Account.objects.count() == 2
    token.refresh_from_db()
    assert token.usecount == 2


def test_single_use_token_works_once(client, make_token):
    token = make_token("once", single_use=True)
    assert delta_chat_post(client, f"/new_email?t={token.secret}").status_code == 200
    _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 410)


def test_fixed_address_token_creates_exactly_that_address_once(client, make_token):
    token = make_token("alice", fixed_local_part="Alice.Smith", prefix="")
    body = delta_chat_post(client, f"/new_email?t={token.secret}").json()
    assert body["email"] == "alice.smith@example.org"
    _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 410)
    assert Account.objects.count() == 1


def test_fixed_address_already_taken_is_409_and_keeps_the_token_unused(client, make_token, account):
    token = make_token("alice", fixed_local_part="alice")
    _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 409)
    token.refresh_from_db()
    assert token.usecount == 0


def test_domain_account_limit_makes_the_token_unusable(client, token, domain):
    account_services.domain_update(domain=domain, acting_user=None, max_accounts=0)
    _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 410)


@override_settings(PROVISIONING_RATE_LIMIT=3, PROVISIONING_RATE_LIMIT_WINDOW=3600)
def test_too_many_attempts_from_one_address_are_429(client, token):
    for _ in range(2):
        assert delta_chat_post(client, f"/new_email?t={token.secret}").status_code == 200
    assert delta_chat_post(client, "/new_email?t=wrong").status_code == 403  # counts too
    response = delta_chat_post(client, f"/new_email?t={token.secret}")
    _assert_error(response, 429)
    assert response["Retry-After"] == "3600"
    assert Account.objects.count() == 2
    assert AuditEvent.objects.filter(action="token.rate_limited").count() == 1
    # Another client is not affected.
    other = delta_chat_post(client, f"/new_email?t={token.secret}", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


@override_settings(PROVISIONING_RATE_LIMIT=1, PROVISIONING_CLIENT_IP_HEADER="X-Forwarded-For")
def test_behind_a_proxy_the_limit_applies_to_the_forwarded_client(client, token):
    def post(forwarded: str):
        return delta_chat_post(
            client, f"/new_email?t={token.secret}", HTTP_X_FORWARDED_FOR=forwarded
        )

    assert post("203.0.113.5").status_code == 200
    assert post("198.51.100.1, 203.0.113.5").status_code == 429  # forged left part ignored
    assert post("203.0.113.6").status_code == 200
    assert AuditEvent.objects.filter(action="token.use", remote_addr="203.0.113.6").exists()


def test_store_failure_is_503_and_leaves_nothing_half_way(client, token, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("disk I/O error")

    # Fails after the account row is written: everything must roll back.
    monkeypatch.setattr(TokenAccount.objects, "create", broken)
    body = _assert_error(delta_chat_post(client, f"/new_email?t={token.secret}"), 503)
    assert "disk" not in body["reason"]
    assert not Account.objects.exists()
    token.refresh_from_db()
    assert token.usecount == 0


def test_get_is_refused_with_405(client, token):
    response = client.get(f"/new_email?t={token.secret}")
    _assert_error(response, 405)
    assert response["Allow"] == "POST"
    assert not Account.objects.exists()


def test_use_and_refusal_are_audited(client, token):
    body = delta_chat_post(client, f"/new_email?t={token.secret}").json()
    Token.objects.filter(pk=token.pk).update(is_active=False)
    delta_chat_post(client, f"/new_email?t={token.secret}")
    use = AuditEvent.objects.get(action="token.use")
    assert (use.target, use.detail["address"], use.detail["usecount"]) == (
        "oneday",
        body["email"],
        1,
    )
    refusal = AuditEvent.objects.get(action="token.refuse")
    assert refusal.target == "oneday"
    assert "inactive" in refusal.detail["reason"]
    assert body["password"] not in json.dumps(use.detail)


def test_address_collision_draws_another_local_part(client, token, monkeypatch):
    taken = account_services.account_create(
        domain=token.domain, local_part="tmp.aaaaaaaa", password=None, acting_user=None
    )
    draws = iter(["tmp.aaaaaaaa", "tmp.bbbbbbbb"])
    monkeypatch.setattr("provisioning.services.random_local_part", lambda prefix: next(draws))
    body = delta_chat_post(client, f"/new_email?t={token.secret}").json()
    assert body["email"] == "tmp.bbbbbbbb@example.org"
    assert taken.address != body["email"]
