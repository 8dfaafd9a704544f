"""Shared fixtures: users of each role and a domain layout for permission tests."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Account, Domain, User


@pytest.fixture
def superadmin(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", "root-password-1")


@pytest.fixture
def domain(db) -> Domain:
    return services.domain_create(name="example.org", acting_user=None)


@pytest.fixture
def other_domain(db) -> Domain:
    return services.domain_create(name="example.net", acting_user=None)


@pytest.fixture
def domain_admin(db, domain: Domain) -> User:
    user = User.objects.create_user("dadmin", password="dadmin-password-1")
    user.managed_domains.add(domain)
    return user


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user("owner", password="owner-password-1")


@pytest.fixture
def account(domain: Domain, owner: User) -> Account:
    return services.account_create(domain=domain, local_part="alice", password="alice-pw-1",
                                   acting_user=None, owner=owner)
