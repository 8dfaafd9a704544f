"""Bad input is a 400 with the JSON error shape naming the field; duplicates are 409."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Account, Alias, Domain
from tests.api.helpers import assert_error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "not-an-address"}, "address"),
        ({"address": "two words@example.org"}, "address"),
        ({"address": "alice@bad_domain"}, "address"),
        ({"local_part": "a/b", "domain": "example.org"}, "local_part"),
        ({"address": "x@example.org", "local_part": "x", "domain": "example.org"}, "address"),
        ({"local_part": "x"}, "address"),
        ({"address": "x@example.org", "quota_bytes": -1}, "quota_bytes"),
        ({"address": "x@example.org", "quota_bytes": "lots"}, "quota_bytes"),
        ({"address": "x@example.org", "quota_bytes": 2**64}, "quota_bytes"),
        ({"address": "x@example.org", "quota_messages": -1}, "quota_messages"),
        ({"address": "x@example.org", "roles": ["wizard"]}, "roles"),
        ({"address": "x@example.org", "owner": "nobody-here"}, "owner"),
        ({"address": "x@example.org", "password": "pw-123456", "scheme": "ROT13"}, "scheme"),
        ({"address": "x@example.org", "password": "bad\x00pw"}, "password"),
        ({"address": "x@example.org", "expires_at": "soon"}, "expires_at"),
    ],
)
def test_bad_account_input_is_400_naming_the_field(
    root_api: APIClient, domain: Domain, body: dict, field: str
) -> None:
    response = root_api.post("/api/v1/accounts/", body, format="json")
    assert_error(response, 400, "invalid", field=field)
    assert not Account.objects.exists()


def test_negative_quota_on_update_is_400(root_api: APIClient, account: Account) -> None:
    response = root_api.patch(
        "/api/v1/accounts/alice@example.org", {"quota_bytes": -5}, format="json"
    )
    assert_error(response, 400, "invalid", field="quota_bytes")
    account.refresh_from_db()
    assert account.quota_bytes is not None
    assert account.quota_bytes >= 0


def test_message_quota_is_set_and_cleared_by_patch(root_api: APIClient, account: Account) -> None:
    response = root_api.patch(
        "/api/v1/accounts/alice@example.org", {"quota_messages": 500}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["quota_messages"] == 500
    account.refresh_from_db()
    assert account.quota_messages == 500
    root_api.patch("/api/v1/accounts/alice@example.org", {"quota_messages": None}, format="json")
    account.refresh_from_db()
    assert account.quota_messages is None


def test_unknown_role_on_update_is_400(root_api: APIClient, account: Account) -> None:
    response = root_api.patch(
        "/api/v1/accounts/alice@example.org", {"roles": ["admin", "wizard"]}, format="json"
    )
    assert_error(response, 400, "invalid", field="roles")
    assert "wizard" in response.json()["reason"]
    account.refresh_from_db()
    assert account.roles == []


@pytest.mark.parametrize("name", ["bad..name", "no-dot", "-lead.example", "a b.example", ""])
def test_bad_domain_name_is_400(root_api: APIClient, name: str) -> None:
    response = root_api.post("/api/v1/domains/", {"name": name}, format="json")
    assert_error(response, 400, "invalid", field="name")
    assert not Domain.objects.exists()


def test_negative_domain_limit_is_400(root_api: APIClient) -> None:
    response = root_api.post(
        "/api/v1/domains/", {"name": "new.example", "max_accounts": -1}, format="json"
    )
    assert_error(response, 400, "invalid", field="max_accounts")


def test_put_needs_every_field(root_api: APIClient, domain: Domain) -> None:
    response = root_api.put("/api/v1/domains/example.org", {"is_active": False}, format="json")
    assert_error(response, 400, "invalid", field="max_accounts")
    domain.refresh_from_db()
    assert domain.is_active


def test_bad_delete_flag_is_400(root_api: APIClient, domain: Domain) -> None:
    response = root_api.delete("/api/v1/domains/example.org?force=perhaps")
    assert_error(response, 400, "invalid", field="force")
    assert Domain.objects.filter(pk=domain.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "list@example.org", "targets": []}, "targets"),
        ({"address": "list@example.org", "targets": ["nobody@example.org"]}, "targets"),
        ({"address": "list@example.org", "targets": ["not an address"]}, "targets"),
        ({"address": "list", "targets": ["x@elsewhere.test"]}, "address"),
        ({"address": "list@example.org"}, "targets"),
    ],
)
def test_bad_alias_input_is_400(
    root_api: APIClient, domain: Domain, body: dict, field: str
) -> None:
    response = root_api.post("/api/v1/aliases/", body, format="json")
    assert_error(response, 400, "invalid", field=field)
    assert not Alias.objects.exists()


def test_non_json_body_is_refused(root_api: APIClient) -> None:
    response = root_api.post("/api/v1/domains/", {"name": "new.example"})  # multipart form
    assert_error(response, 415, "unsupported_media_type")
    assert not Domain.objects.exists()


# --- duplicates ------------------------------------------------------------------------------


def test_duplicate_domain_is_409(root_api: APIClient, domain: Domain) -> None:
    response = root_api.post("/api/v1/domains/", {"name": "EXAMPLE.org"}, format="json")
    assert_error(response, 409, "conflict")
    assert Domain.objects.filter(name="example.org").count() == 1


def test_duplicate_account_is_409(root_api: APIClient, account: Account) -> None:
    response = root_api.post("/api/v1/accounts/", {"address": "Alice@Example.org"}, format="json")
    assert_error(response, 409, "conflict")
    assert Account.objects.filter(local_part="alice").count() == 1


def test_account_named_like_an_alias_is_409(root_api: APIClient, alias: Alias) -> None:
    response = root_api.post("/api/v1/accounts/", {"address": "info@example.org"}, format="json")
    assert_error(response, 409, "conflict")


def test_duplicate_alias_is_409(root_api: APIClient, alias: Alias, account: Account) -> None:
    body = {"address": "info@example.org", "targets": [account.address]}
    assert_error(root_api.post("/api/v1/aliases/", body, format="json"), 409, "conflict")
    assert Alias.objects.filter(local_part="info").count() == 1


def test_domain_account_limit_is_409(root_api: APIClient, domain: Domain) -> None:
    root_api.patch("/api/v1/domains/example.org", {"max_accounts": 0}, format="json")
    response = root_api.post("/api/v1/accounts/", {"address": "x@example.org"}, format="json")
    assert_error(response, 409, "limit_exceeded")
