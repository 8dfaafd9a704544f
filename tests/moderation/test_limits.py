"""Self-service limits live in the services, so the pages, the API and the admin obey them."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Account, Alias, CreatedVia
from mailplatform.errors import LimitExceeded, NotPermitted
from moderation import services

from .conftest import MAILBOX_PASSWORD


def _bearer(user) -> APIClient:
    _token, secret = account_services.api_token_create(principal=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _new_mailbox(member, domain, local_part):
    return services.mailbox_create(
        owner=member,
        domain=domain,
        local_part=local_part,
        password=MAILBOX_PASSWORD,
        acting_user=member,
    )


@override_settings(MAX_MAILBOXES_PER_USER=2)
def test_an_owner_creates_mailboxes_up_to_the_default_limit(member, open_domain):
    first = _new_mailbox(member, open_domain, "one")
    _new_mailbox(member, open_domain, "two")
    with pytest.raises(LimitExceeded, match="limit of 2 mailboxes"):
        _new_mailbox(member, open_domain, "three")
    assert first.owner == member
    assert first.created_via == CreatedVia.SELF_SERVICE
    assert Account.objects.filter(owner=member).count() == 2


@override_settings(MAX_MAILBOXES_PER_USER=1)
def test_an_admin_raises_one_owners_mailbox_limit(member, open_domain):
    member.max_mailboxes = 2
    member.save()
    _new_mailbox(member, open_domain, "one")
    _new_mailbox(member, open_domain, "two")
    with pytest.raises(LimitExceeded):
        _new_mailbox(member, open_domain, "three")


def test_mailboxes_waiting_for_deletion_still_count(member, open_domain, settings):
    settings.MAX_MAILBOXES_PER_USER = 1
    mailbox = _new_mailbox(member, open_domain, "one")
    services.deletion_request(account=mailbox, acting_user=member)
    with pytest.raises(LimitExceeded):
        _new_mailbox(member, open_domain, "two")


def test_an_owner_cannot_create_mailboxes_in_a_domain_not_granted(member, other_domain):
    with pytest.raises(NotPermitted):
        _new_mailbox(member, other_domain, "nope")


def test_an_owner_cannot_create_a_mailbox_for_someone_else(member, open_domain, owner):
    with pytest.raises(NotPermitted):
        account_services.account_create(
            domain=open_domain,
            local_part="gift",
            password=MAILBOX_PASSWORD,
            acting_user=member,
            owner=owner,
        )


@pytest.mark.parametrize(
    "options", [{"quota_bytes": None}, {"params": {"x": "1"}}, {"is_active": False}]
)
def test_an_owner_cannot_choose_quota_parameters_or_state(member, open_domain, options):
    with pytest.raises(NotPermitted):
        account_services.account_create(
            domain=open_domain,
            local_part="rich",
            password=MAILBOX_PASSWORD,
            acting_user=member,
            **options,
        )


def test_a_granted_domain_that_is_disabled_takes_no_new_mailboxes(member, open_domain):
    account_services.domain_update(domain=open_domain, acting_user=None, is_active=False)
    with pytest.raises(NotPermitted):
        _new_mailbox(member, open_domain, "late")


@override_settings(MAX_MAILBOXES_PER_USER=1)
def test_the_mailbox_limit_also_holds_over_the_api(member, open_domain):
    _new_mailbox(member, open_domain, "one")
    response = _bearer(member).post(
        "/api/v1/accounts/",
        {"address": "two@example.org", "password": MAILBOX_PASSWORD},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "limit_exceeded"


def test_admins_are_not_held_to_owner_limits(open_domain, member, settings):
    settings.MAX_MAILBOXES_PER_USER = 0
    account = account_services.account_create(
        domain=open_domain, local_part="given", password=None, acting_user=None, owner=member
    )
    assert account.owner == member


@override_settings(MAX_ALIASES_PER_MAILBOX=2)
def test_an_owner_adds_aliases_up_to_the_limit_with_a_clear_message(member, members_mailbox):
    services.mailbox_alias_add(account=members_mailbox, local_part="a1", acting_user=member)
    services.mailbox_alias_add(account=members_mailbox, local_part="a2", acting_user=member)
    with pytest.raises(LimitExceeded) as refused:
        services.mailbox_alias_add(account=members_mailbox, local_part="a3", acting_user=member)
    assert refused.value.reason == "mina@example.org has reached its limit of 2 aliases."
    assert not Alias.objects.filter(local_part="a3").exists()


@override_settings(MAX_ALIASES_PER_MAILBOX=1)
def test_the_alias_limit_also_holds_over_the_api_and_for_updates(
    member, members_mailbox, open_domain
):
    second = services.mailbox_create(
        owner=member,
        domain=open_domain,
        local_part="other",
        password=MAILBOX_PASSWORD,
        acting_user=member,
    )
    services.mailbox_alias_add(account=members_mailbox, local_part="a1", acting_user=member)
    api = _bearer(member)
    response = api.post(
        "/api/v1/aliases/",
        {"address": "a2@example.org", "targets": [members_mailbox.address]},
        format="json",
    )
    assert response.status_code == 409
    # Pointing another alias at the full mailbox is adding an alias to it too.
    services.mailbox_alias_add(account=second, local_part="b1", acting_user=member)
    response = api.patch(
        "/api/v1/aliases/b1@example.org",
        {"targets": [second.address, members_mailbox.address]},
        format="json",
    )
    assert response.status_code == 409


def test_an_admin_raises_the_alias_limit_per_owner(member, members_mailbox, settings):
    settings.MAX_ALIASES_PER_MAILBOX = 0
    with pytest.raises(LimitExceeded):
        services.mailbox_alias_add(account=members_mailbox, local_part="a1", acting_user=member)
    member.max_aliases_per_mailbox = 1
    member.save()
    alias = services.mailbox_alias_add(account=members_mailbox, local_part="a1", acting_user=member)
    assert alias.address == "a1@example.org"


def test_domain_admins_add_aliases_beyond_owner_limits(members_mailbox, domain_admin, settings):
    settings.MAX_ALIASES_PER_MAILBOX = 0
    alias = account_services.alias_create(
        domain=members_mailbox.domain,
        local_part="office",
        targets=[members_mailbox.address],
        acting_user=domain_admin,
    )
    assert alias.targets.get().account == members_mailbox


def test_removing_a_shared_alias_only_drops_this_mailbox(member, members_mailbox, open_domain):
    other = services.mailbox_create(
        owner=member,
        domain=open_domain,
        local_part="other",
        password=MAILBOX_PASSWORD,
        acting_user=member,
    )
    alias = account_services.alias_create(
        domain=open_domain,
        local_part="team",
        targets=[members_mailbox.address, other.address],
        acting_user=member,
    )
    services.mailbox_alias_remove(account=members_mailbox, alias=alias, acting_user=member)
    assert [t.account for t in alias.targets.all()] == [other]
    services.mailbox_alias_remove(account=other, alias=alias, acting_user=member)
    assert not Alias.objects.filter(pk=alias.pk).exists()
