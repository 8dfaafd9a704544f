"""Who may see and change what through the API: scoped lists, 404 for not-yours, 403 for
visible-but-not-allowed, and 401 for anonymous callers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import passwords, services
from accounts.models import Account, Alias, Domain
from tests.api.helpers import assert_error, names

# --- anonymous -------------------------------------------------------------------------------

PROTECTED = [
    ("get", "/api/v1/domains/"),
    ("post", "/api/v1/domains/"),
    ("get", "/api/v1/domains/example.org"),
    ("put", "/api/v1/domains/example.org"),
    ("patch", "/api/v1/domains/example.org"),
    ("delete", "/api/v1/domains/example.org"),
    ("get", "/api/v1/accounts/"),
    ("post", "/api/v1/accounts/"),
    ("get", "/api/v1/accounts/alice@example.org"),
    ("put", "/api/v1/accounts/alice@example.org"),
    ("patch", "/api/v1/accounts/alice@example.org"),
    ("delete", "/api/v1/accounts/alice@example.org"),
    ("post", "/api/v1/accounts/alice@example.org/password"),
    ("get", "/api/v1/aliases/"),
    ("post", "/api/v1/aliases/"),
    ("get", "/api/v1/aliases/info@example.org"),
    ("put", "/api/v1/aliases/info@example.org"),
    ("patch", "/api/v1/aliases/info@example.org"),
    ("delete", "/api/v1/aliases/info@example.org"),
    ("get", "/api/v1/auth/whoami"),
    ("post", "/api/v1/auth/logout"),
]


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_anonymous_gets_401_with_bearer_challenge(
    anon: APIClient, alias: Alias, method: str, url: str
) -> None:
    response = getattr(anon, method)(url, {"password": "x"}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_delete_changes_nothing(anon: APIClient, account: Account) -> None:
    anon.delete("/api/v1/accounts/alice@example.org")
    anon.delete("/api/v1/domains/example.org?force=true")
    assert Account.objects.filter(pk=account.pk).exists()


# --- superadmin ------------------------------------------------------------------------------


@pytest.mark.usefixtures("alias", "other_alias", "colleague")
def test_superadmin_sees_everything(root_api: APIClient) -> None:
    assert names(root_api.get("/api/v1/domains/"), "name") == {"example.org", "example.net"}
    assert names(root_api.get("/api/v1/accounts/"), "address") == {
        "alice@example.org",
        "carol@example.org",
        "bob@example.net",
    }
    assert names(root_api.get("/api/v1/aliases/"), "address") == {
        "info@example.org",
        "sales@example.net",
    }


# --- domain admin ----------------------------------------------------------------------------


@pytest.mark.usefixtures("alias", "other_alias", "colleague", "other_account")
def test_domain_admin_lists_only_their_domain(admin_api: APIClient) -> None:
    assert names(admin_api.get("/api/v1/domains/"), "name") == {"example.org"}
    assert names(admin_api.get("/api/v1/accounts/"), "address") == {
        "alice@example.org",
        "carol@example.org",
    }
    assert names(admin_api.get("/api/v1/aliases/"), "address") == {"info@example.org"}
    assert names(admin_api.get("/api/v1/accounts/?domain=example.net"), "address") == set()


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/accounts/bob@example.net", None),
        ("patch", "/api/v1/accounts/bob@example.net", {"quota_bytes": 1}),
        ("put", "/api/v1/accounts/bob@example.net", {"is_active": False}),
        ("delete", "/api/v1/accounts/bob@example.net", None),
        ("post", "/api/v1/accounts/bob@example.net/password", {"password": "new-pw-123"}),
        ("get", "/api/v1/aliases/sales@example.net", None),
        ("patch", "/api/v1/aliases/sales@example.net", {"is_active": False}),
        ("delete", "/api/v1/aliases/sales@example.net", None),
        ("get", "/api/v1/domains/example.net", None),
        ("patch", "/api/v1/domains/example.net", {"default_quota_bytes": 1}),
        ("delete", "/api/v1/domains/example.net", None),
    ],
)
@pytest.mark.usefixtures("other_alias")
def test_domain_admin_gets_404_for_another_domains_objects(
    admin_api: APIClient, other_account: Account, method: str, url: str, body: dict | None
) -> None:
    response = getattr(admin_api, method)(url, body, format="json")
    assert_error(response, 404, "not_found")
    other_account.refresh_from_db()
    assert other_account.is_active
    assert other_account.quota_bytes != 1
    assert passwords.verify_password("bob-pw-1", other_account.password)
    assert Alias.objects.get(local_part="sales").is_active


@pytest.mark.usefixtures("other_account")
def test_hidden_and_unknown_accounts_give_the_same_404(admin_api: APIClient) -> None:
    hidden = admin_api.get("/api/v1/accounts/bob@example.net").json()
    unknown = admin_api.get("/api/v1/accounts/nobody@example.net").json()
    assert hidden["status_code"] == unknown["status_code"] == 404
    assert hidden["code"] == unknown["code"]
    assert hidden["reason"].replace("bob", "nobody") == unknown["reason"]


@pytest.mark.usefixtures("other_domain")
def test_domain_admin_cannot_create_accounts_or_aliases_in_another_domain(
    admin_api: APIClient, account: Account
) -> None:
    # 404, not 403: a domain the caller cannot see answers like one that does not exist, so
    # the API does not reveal which domains are hosted here.
    response = admin_api.post(
        "/api/v1/accounts/", {"address": "eve@example.net", "password": "eve-pw-1"}, format="json"
    )
    assert_error(response, 404, "not_found", field="domain")
    unknown = admin_api.post("/api/v1/accounts/", {"address": "eve@nowhere.test"}, format="json")
    assert_error(unknown, 404, "not_found", field="domain")
    response = admin_api.post(
        "/api/v1/aliases/",
        {"address": "x@example.net", "targets": [account.address]},
        format="json",
    )
    assert_error(response, 404, "not_found", field="domain")
    assert not Account.objects.filter(local_part="eve").exists()
    assert not Alias.objects.filter(local_part="x").exists()


def test_domain_admin_cannot_create_domains(admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/domains/", {"name": "new.example"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert not Domain.objects.filter(name="new.example").exists()


def test_domain_admin_manages_accounts_of_their_domain(
    admin_api: APIClient, account: Account
) -> None:
    created = admin_api.post(
        "/api/v1/accounts/", {"address": "dave@example.org", "password": "dave-pw-1"}, format="json"
    )
    assert created.status_code == 201, created.content
    changed = admin_api.patch(
        "/api/v1/accounts/alice@example.org", {"quota_bytes": 5000}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["quota_bytes"] == 5000


def test_domain_admin_cannot_grant_roles(admin_api: APIClient, account: Account) -> None:
    response = admin_api.patch(
        "/api/v1/accounts/alice@example.org", {"roles": ["admin"]}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    account.refresh_from_db()
    assert account.roles == []


def test_domain_admin_may_tune_defaults_but_not_limits(
    admin_api: APIClient, domain: Domain
) -> None:
    limits = admin_api.patch("/api/v1/domains/example.org", {"max_accounts": 9}, format="json")
    assert_error(limits, 403, "permission_denied")
    defaults = admin_api.patch(
        "/api/v1/domains/example.org", {"default_quota_bytes": 1024}, format="json"
    )
    assert defaults.status_code == 200, defaults.content
    domain.refresh_from_db()
    assert (domain.max_accounts, domain.default_quota_bytes) == (None, 1024)


def test_domain_admin_put_repeating_unchanged_limits_is_allowed(
    admin_api: APIClient, domain: Domain
) -> None:
    body = {
        "is_active": True,
        "max_accounts": None,
        "max_aliases": None,
        "default_quota_bytes": 2048,
        "registration_open": True,
    }
    response = admin_api.put("/api/v1/domains/example.org", body, format="json")
    assert response.status_code == 200, response.content
    domain.refresh_from_db()
    assert (domain.default_quota_bytes, domain.registration_open) == (2048, True)


def test_domain_admin_cannot_delete_domains(admin_api: APIClient, domain: Domain) -> None:
    assert_error(admin_api.delete("/api/v1/domains/example.org"), 403, "permission_denied")
    assert Domain.objects.filter(pk=domain.pk).exists()


# --- owner -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("colleague", "other_account", "alias")
def test_owner_sees_only_their_accounts(owner_api: APIClient) -> None:
    assert names(owner_api.get("/api/v1/accounts/"), "address") == {"alice@example.org"}
    assert names(owner_api.get("/api/v1/domains/"), "name") == {"example.org"}
    assert names(owner_api.get("/api/v1/aliases/"), "address") == {"info@example.org"}
    assert_error(owner_api.get("/api/v1/accounts/carol@example.org"), 404, "not_found")
    assert_error(owner_api.get("/api/v1/accounts/bob@example.net"), 404, "not_found")


@pytest.mark.parametrize("body", [{"quota_bytes": 1}, {"roles": ["admin"]}, {"is_active": False}])
def test_owner_cannot_change_account_settings(
    owner_api: APIClient, account: Account, body: dict
) -> None:
    response = owner_api.patch("/api/v1/accounts/alice@example.org", body, format="json")
    assert_error(response, 403, "permission_denied")
    account.refresh_from_db()
    assert account.quota_bytes != 1
    assert account.roles == []
    assert account.is_active


def test_owner_cannot_delete_their_account(owner_api: APIClient, account: Account) -> None:
    assert_error(owner_api.delete("/api/v1/accounts/alice@example.org"), 403, "permission_denied")
    assert Account.objects.filter(pk=account.pk).exists()


def test_owner_cannot_create_accounts_in_the_domain_of_their_account(
    owner_api: APIClient,
) -> None:
    # The domain is visible to the owner (their account lives there), so this is a 403.
    response = owner_api.post("/api/v1/accounts/", {"address": "x@example.org"}, format="json")
    assert_error(response, 403, "permission_denied")


def test_owner_sets_their_accounts_password(owner_api: APIClient, account: Account) -> None:
    response = owner_api.post(
        "/api/v1/accounts/alice@example.org/password", {"password": "owner-set-pw"}, format="json"
    )
    assert response.status_code == 204, response.content
    assert services.account_authenticate(address=account.address, password="owner-set-pw")


# --- account principal -----------------------------------------------------------------------


@pytest.mark.usefixtures("colleague")
def test_account_token_sees_only_itself(account_api: APIClient) -> None:
    assert names(account_api.get("/api/v1/accounts/"), "address") == {"alice@example.org"}
    assert account_api.get("/api/v1/accounts/alice@example.org").status_code == 200
    assert_error(account_api.get("/api/v1/accounts/carol@example.org"), 404, "not_found")


def test_account_token_changes_its_own_password(account_api: APIClient, account: Account) -> None:
    response = account_api.post(
        "/api/v1/accounts/alice@example.org/password", {"password": "alice-new-pw"}, format="json"
    )
    assert response.status_code == 204, response.content
    assert services.account_authenticate(address=account.address, password="alice-new-pw")


def test_account_token_cannot_change_another_accounts_password(
    account_api: APIClient, colleague: Account
) -> None:
    response = account_api.post(
        "/api/v1/accounts/carol@example.org/password", {"password": "stolen-pw-1"}, format="json"
    )
    assert_error(response, 404, "not_found")
    assert services.account_authenticate(address=colleague.address, password="carol-pw-1")


def test_account_token_cannot_change_its_own_settings(
    account_api: APIClient, account: Account
) -> None:
    response = account_api.patch(
        "/api/v1/accounts/alice@example.org", {"quota_bytes": 0}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    account.refresh_from_db()
    assert account.quota_bytes != 0


def test_account_with_admin_role_administers_everything(
    client_for, account: Account, other_account: Account
) -> None:
    services.account_update(account=account, acting_user=None, roles=["admin"])
    api = client_for(account)
    assert api.get("/api/v1/accounts/bob@example.net").status_code == 200
    response = api.patch("/api/v1/accounts/bob@example.net", {"quota_bytes": 7}, format="json")
    assert response.status_code == 200, response.content
