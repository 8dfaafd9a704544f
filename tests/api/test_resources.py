"""Create, read, update and delete domains, accounts and aliases through the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Account, Alias, AuditEvent, Domain, User
from tests.api.helpers import assert_error, names

# --- domains ---------------------------------------------------------------------------------


def test_superadmin_creates_a_domain_with_limits(root_api: APIClient) -> None:
    response = root_api.post(
        "/api/v1/domains/",
        {"name": "New.Example", "max_accounts": 10, "registration_open": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "new.example"
    assert (body["max_accounts"], body["registration_open"], body["is_active"]) == (10, True, True)
    assert Domain.objects.get(name="new.example").max_accounts == 10


def test_domain_lookup_ignores_case(root_api: APIClient, domain: Domain) -> None:
    response = root_api.get("/api/v1/domains/EXAMPLE.org")
    assert response.status_code == 200
    assert response.json()["name"] == "example.org"


def test_put_replaces_a_domains_settings(root_api: APIClient, domain: Domain) -> None:
    body = {
        "is_active": False,
        "max_accounts": 3,
        "max_aliases": 4,
        "default_quota_bytes": 0,
        "registration_open": True,
    }
    response = root_api.put("/api/v1/domains/example.org", body, format="json")
    assert response.status_code == 200, response.content
    domain.refresh_from_db()
    assert (domain.is_active, domain.max_accounts, domain.max_aliases) == (False, 3, 4)
    assert (domain.default_quota_bytes, domain.registration_open) == (0, True)


def test_deleting_a_domain_with_accounts_needs_force(root_api: APIClient, account: Account) -> None:
    assert_error(root_api.delete("/api/v1/domains/example.org"), 409, "conflict")
    assert Account.objects.filter(pk=account.pk).exists()
    response = root_api.delete("/api/v1/domains/example.org?force=true")
    assert response.status_code == 204
    assert not Domain.objects.filter(name="example.org").exists()
    assert not Account.objects.filter(pk=account.pk).exists()


# --- accounts --------------------------------------------------------------------------------


def test_create_account_from_local_part_and_domain(
    root_api: APIClient, domain: Domain, owner: User
) -> None:
    response = root_api.post(
        "/api/v1/accounts/",
        {
            "local_part": "Dave",
            "domain": "example.org",
            "password": "dave-pw-1",
            "quota_bytes": 1000,
            "roles": ["admin"],
            "params": {"lang": "fr"},
            "owner": "owner",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["address"] == "dave@example.org"
    assert body["quota_bytes"] == 1000
    assert body["roles"] == ["admin"]
    assert body["params"] == {"lang": "fr"}
    assert body["owner"] == "owner"
    assert body["created_via"] == "api"
    assert body["has_password"] is True
    assert services.account_authenticate(address="dave@example.org", password="dave-pw-1")


def test_account_created_without_password_cannot_log_in(
    root_api: APIClient, domain: Domain
) -> None:
    response = root_api.post("/api/v1/accounts/", {"address": "nopw@example.org"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["has_password"] is False
    assert Account.objects.get(local_part="nopw").password == ""


def test_responses_never_contain_the_password_hash(
    root_api: APIClient, account: Account, domain: Domain
) -> None:
    created = root_api.post(
        "/api/v1/accounts/", {"address": "eve@example.org", "password": "eve-pw-1"}, format="json"
    )
    stored = Account.objects.get(local_part="eve").password
    for response in (
        created,
        root_api.get("/api/v1/accounts/"),
        root_api.get("/api/v1/accounts/alice@example.org"),
        root_api.patch("/api/v1/accounts/alice@example.org", {"params": {}}, format="json"),
    ):
        text = response.content.decode()
        assert "password" not in response.json()
        assert stored not in text
        assert account.password not in text
        assert "eve-pw-1" not in text


@pytest.mark.usefixtures("account", "other_account")
def test_account_list_filters_by_domain(root_api: APIClient) -> None:
    assert names(root_api.get("/api/v1/accounts/?domain=example.net"), "address") == {
        "bob@example.net"
    }
    assert_error(root_api.get("/api/v1/accounts/?domain=bad..name"), 400, "invalid", "domain")


def test_put_replaces_an_accounts_settings(
    root_api: APIClient, account: Account, owner: User
) -> None:
    body: dict[str, object] = {
        "is_active": False,
        "quota_bytes": None,
        "expires_at": "2040-01-01T00:00:00Z",
        "roles": [],
        "params": {"k": "v"},
        "owner": None,
    }
    response = root_api.put("/api/v1/accounts/alice@example.org", body, format="json")
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.is_active is False
    assert account.quota_bytes is None
    assert account.expires_at is not None
    assert account.expires_at.year == 2040
    assert account.params == {"k": "v"}
    assert account.owner is None


def test_patch_changes_only_what_it_names(root_api: APIClient, account: Account) -> None:
    before = account.quota_bytes
    response = root_api.patch(
        "/api/v1/accounts/alice@example.org", {"is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert (account.is_active, account.quota_bytes) == (False, before)
    assert AuditEvent.objects.filter(action="account.update", actor="root").exists()


def test_delete_account(root_api: APIClient, account: Account) -> None:
    assert root_api.delete("/api/v1/accounts/alice@example.org").status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()
    assert_error(root_api.get("/api/v1/accounts/alice@example.org"), 404, "not_found")


def test_set_password_with_unknown_scheme_is_400(root_api: APIClient, account: Account) -> None:
    response = root_api.post(
        "/api/v1/accounts/alice@example.org/password",
        {"password": "x-pw-12345", "scheme": "ROT13"},
        format="json",
    )
    assert_error(response, 400, "invalid", field="scheme")
    assert services.account_authenticate(address=account.address, password="alice-pw-1")


def test_set_password_keeps_spaces(root_api: APIClient, account: Account) -> None:
    response = root_api.post(
        "/api/v1/accounts/alice@example.org/password",
        {"password": "  spaced pw  "},
        format="json",
    )
    assert response.status_code == 204
    assert services.account_authenticate(address=account.address, password="  spaced pw  ")
    assert not services.account_authenticate(address=account.address, password="spaced pw")


# --- aliases ---------------------------------------------------------------------------------


def test_catch_all_alias_round_trip(root_api: APIClient, account: Account) -> None:
    created = root_api.post(
        "/api/v1/aliases/",
        {"address": "@example.org", "targets": ["alice@example.org", "Someone@Elsewhere.test"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = root_api.get("/api/v1/aliases/@example.org").json()
    assert body["address"] == "@example.org"
    assert body["is_catch_all"] is True
    assert body["targets"] == ["Someone@elsewhere.test", "alice@example.org"]


def test_alias_from_local_part_and_domain(root_api: APIClient, account: Account) -> None:
    response = root_api.post(
        "/api/v1/aliases/",
        {"local_part": "Team", "domain": "example.org", "targets": [account.address]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["address"] == "team@example.org"
    assert response.json()["is_catch_all"] is False


def test_alias_targets_are_replaced(root_api: APIClient, alias: Alias, colleague: Account) -> None:
    response = root_api.patch(
        "/api/v1/aliases/info@example.org", {"targets": [colleague.address]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["targets"] == ["carol@example.org"]
    put = root_api.put(
        "/api/v1/aliases/info@example.org",
        {"targets": ["alice@example.org", "carol@example.org"], "is_active": False},
        format="json",
    )
    assert put.status_code == 200, put.content
    assert put.json()["targets"] == ["alice@example.org", "carol@example.org"]
    assert put.json()["is_active"] is False


def test_delete_alias(root_api: APIClient, alias: Alias) -> None:
    assert root_api.delete("/api/v1/aliases/info@example.org").status_code == 204
    assert not Alias.objects.filter(pk=alias.pk).exists()


def test_owner_adds_an_alias_for_their_account(owner_api: APIClient, account: Account) -> None:
    response = owner_api.post(
        "/api/v1/aliases/",
        {"address": "me@example.org", "targets": [account.address]},
        format="json",
    )
    assert response.status_code == 201, response.content
    catch_all = owner_api.post(
        "/api/v1/aliases/", {"address": "@example.org", "targets": [account.address]}, format="json"
    )
    assert_error(catch_all, 403, "permission_denied")
