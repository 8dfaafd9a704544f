"""Recipient resolution for delivery: accounts, aliases, catch-all, subaddressing."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.selectors import recipient_resolve

pytestmark = pytest.mark.django_db


def test_account_is_found_case_insensitively_and_with_a_subaddress_tag(account):
    for address in ["alice@example.org", "ALICE@Example.ORG", "alice+lists@example.org"]:
        assert [a.pk for a in recipient_resolve(address).accounts] == [account.pk]


def test_alias_delivers_to_all_its_destinations(domain, account):
    bob = services.account_create(domain=domain, local_part="bob", password=None, acting_user=None)
    services.alias_create(
        domain=domain,
        local_part="team",
        targets=[account.address, bob.address, "x@remote.net"],
        acting_user=None,
    )
    result = recipient_resolve("Team+urgent@example.org")
    assert {a.pk for a in result.accounts} == {account.pk, bob.pk}
    assert result.external == ["x@remote.net"]


def test_catch_all_takes_unknown_local_parts_but_not_over_real_ones(domain, account):
    bob = services.account_create(domain=domain, local_part="bob", password=None, acting_user=None)
    services.alias_create(domain=domain, local_part="", targets=[bob.address], acting_user=None)
    assert [a.pk for a in recipient_resolve("whatever@example.org").accounts] == [bob.pk]
    assert [a.pk for a in recipient_resolve("alice@example.org").accounts] == [account.pk]


def test_inactive_alias_is_unknown(domain, account):
    alias = services.alias_create(
        domain=domain, local_part="old", targets=[account.address], acting_user=None
    )
    services.alias_update(alias=alias, acting_user=None, is_active=False)
    assert not recipient_resolve("old@example.org").is_known


def test_unknown_and_foreign_recipients(domain):
    unknown = recipient_resolve("nobody@example.org")
    assert unknown.is_local_domain
    assert not unknown.is_known
    foreign = recipient_resolve("someone@elsewhere.net")
    assert not foreign.is_local_domain
    assert not foreign.is_known
    assert not recipient_resolve("not-an-address").is_known
