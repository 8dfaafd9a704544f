"""/api/v1/tokens/: admins only, scoped to the domains they administer."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from django.test import Client

from accounts import passwords
from accounts import services as account_services
from accounts.models import AuditEvent
from provisioning import services
from provisioning.models import Token
from tests.provisioning.conftest import bearer_client, decode_qr


@pytest.fixture
def as_superadmin(superadmin) -> Client:
    return bearer_client(superadmin)


@pytest.fixture
def as_domain_admin(domain_admin) -> Client:
    return bearer_client(domain_admin)


@pytest.fixture
def foreign_token(make_token, other_domain) -> Token:
    return make_token("foreign", domain=other_domain)


def test_anonymous_callers_get_401(client, token):
    assert client.get("/api/v1/tokens/").status_code == 401


def test_owners_and_plain_accounts_get_403(owner, account, token):
    assert bearer_client(owner).get("/api/v1/tokens/").status_code == 403
    _, secret = account_services.api_token_create(principal=account)
    as_account = Client(headers={"Authorization": f"Bearer {secret}"})
    assert as_account.get("/api/v1/tokens/").status_code == 403


def test_superadmin_lists_every_token_with_its_url(as_superadmin, token, foreign_token):
    response = as_superadmin.get("/api/v1/tokens/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [t["name"] for t in results] == ["foreign", "oneday"]
    mine = results[1]
    assert mine["secret"] == token.secret
    assert mine["dcaccount"] == f"DCACCOUNT:{mine['url']}"
    assert mine["url"].endswith(f"/new_email?t={token.secret}&n=oneday")


def test_domain_admin_sees_only_their_domains_tokens(as_domain_admin, token, foreign_token):
    names = [t["name"] for t in as_domain_admin.get("/api/v1/tokens/").json()["results"]]
    assert names == ["oneday"]
    assert as_domain_admin.get("/api/v1/tokens/foreign").status_code == 404
    assert as_domain_admin.delete("/api/v1/tokens/foreign").status_code == 404
    assert Token.objects.filter(name="foreign").exists()


def test_create_token(as_domain_admin, domain):
    response = as_domain_admin.post(
        "/api/v1/tokens/",
        {"name": "tmp.week", "domain": "example.org", "expiry": "1w", "maxuse": 5},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["domain"], body["expiry"], body["maxuse"]) == (
        "tmp.week",
        "example.org",
        "1w",
        5,
    )
    assert len(body["secret"]) == 32
    event = AuditEvent.objects.get(action="token.create")
    assert event.actor == "dadmin"


def test_domain_admin_cannot_create_tokens_for_other_domains(as_domain_admin, other_domain):
    response = as_domain_admin.post(
        "/api/v1/tokens/",
        {"name": "x", "domain": "example.net"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Token.objects.exists()


def test_invalid_expiry_is_400_naming_the_field(as_superadmin, domain):
    response = as_superadmin.post(
        "/api/v1/tokens/",
        {"name": "x", "domain": "example.org", "expiry": "soon"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "expiry" in response.json()["fields"]


def test_duplicate_name_is_409(as_superadmin, token):
    response = as_superadmin.post(
        "/api/v1/tokens/",
        {"name": "oneday", "domain": "example.org"},
        content_type="application/json",
    )
    assert response.status_code == 409


def test_patch_and_delete_a_token_whose_name_has_a_dot(as_superadmin, make_token):
    make_token("tmp.one")
    response = as_superadmin.patch(
        "/api/v1/tokens/tmp.one",
        {"maxuse": 9, "is_active": False},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["maxuse"], response.json()["is_active"]) == (9, False)
    assert as_superadmin.delete("/api/v1/tokens/tmp.one").status_code == 204
    assert not Token.objects.exists()


def test_qr_png_download_decodes_to_the_dcaccount_text(as_superadmin, token):
    response = as_superadmin.get("/api/v1/tokens/oneday/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "dcaccount-example.org-oneday.png" in response["Content-Disposition"]
    (text,) = decode_qr(response.content)
    assert text.startswith("DCACCOUNT:")
    assert text.endswith(f"?t={token.secret}&n=oneday")


def test_accounts_lists_what_the_token_created(as_superadmin, token, make_token):
    created = services.token_redeem(secret=token.secret).account
    services.token_redeem(secret=make_token("other").secret)
    response = as_superadmin.get("/api/v1/tokens/oneday/accounts")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["address"] for r in results] == [created.address]
    assert results[0]["token"] == "oneday"
    assert results[0]["expires_at"]


def test_login_qr_sets_a_new_password_and_returns_it_only_in_the_code(as_domain_admin, token):
    created = services.token_redeem(secret=token.secret)
    response = as_domain_admin.post(
        f"/api/v1/tokens/oneday/accounts/{created.account.address}/login-qr.png"
    )
    assert response.status_code == 200
    (text,) = decode_qr(response.content)
    assert text.startswith(f"dclogin:{created.account.address}?")
    password = parse_qs(text.partition("?")[2])["p"][0]
    created.account.refresh_from_db()
    assert passwords.verify_password(password, created.account.password)
    assert not passwords.verify_password(created.password, created.account.password)


def test_login_qr_for_an_account_the_token_did_not_create_is_404(as_superadmin, token, account):
    response = as_superadmin.post("/api/v1/tokens/oneday/accounts/alice@example.org/login-qr.png")
    assert response.status_code == 404
    assert passwords.verify_password("alice-pw-1", account.password)
