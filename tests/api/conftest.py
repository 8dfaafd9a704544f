"""API fixtures: a bearer-authenticated APIClient per role and objects in both domains.

Layout (on top of tests/conftest.py):
  example.org  (domain)        admin: dadmin        alice (owner: owner), carol (no owner),
                                                     alias info@ -> alice
  example.net  (other_domain)  admin: nadmin        bob (no owner), alias sales@ -> bob
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Account, Alias, Domain, User

ClientFor = Callable[[User | Account], APIClient]


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(db) -> ClientFor:
    """An APIClient presenting a fresh bearer token of the given user or account."""

    def make(principal: User | Account) -> APIClient:
        _token, secret = services.api_token_create(principal=principal)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def root_api(client_for: ClientFor, superadmin: User) -> APIClient:
    return client_for(superadmin)


@pytest.fixture
def admin_api(client_for: ClientFor, domain_admin: User) -> APIClient:
    return client_for(domain_admin)


@pytest.fixture
def owner_api(client_for: ClientFor, owner: User, account: Account) -> APIClient:
    return client_for(owner)


@pytest.fixture
def account_api(client_for: ClientFor, account: Account) -> APIClient:
    return client_for(account)


@pytest.fixture
def other_admin(other_domain: Domain) -> User:
    user = User.objects.create_user("nadmin", password="nadmin-password-1")
    user.managed_domains.add(other_domain)
    return user


@pytest.fixture
def colleague(domain: Domain) -> Account:
    """An account in the domain admin's domain that the owner does not own."""
    return services.account_create(
        domain=domain, local_part="carol", password="carol-pw-1", acting_user=None
    )


@pytest.fixture
def other_account(other_domain: Domain) -> Account:
    return services.account_create(
        domain=other_domain, local_part="bob", password="bob-pw-1", acting_user=None
    )


@pytest.fixture
def alias(account: Account) -> Alias:
    return services.alias_create(
        domain=account.domain, local_part="info", targets=[account.address], acting_user=None
    )


@pytest.fixture
def other_alias(other_account: Account) -> Alias:
    return services.alias_create(
        domain=other_account.domain,
        local_part="sales",
        targets=[other_account.address],
        acting_user=None,
    )
