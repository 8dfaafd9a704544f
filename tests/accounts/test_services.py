"""The accounts services: validation, limits, rights and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Account, Alias, AuditEvent, User
from accounts.principals import AccountPrincipal
from mailplatform.errors import Conflict, LimitExceeded, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


def test_addresses_are_stored_lower_case_and_unique_case_insensitively(domain):
    account = services.account_create(
        domain=domain, local_part="Bob.Smith", password="pw-123456", acting_user=None
    )
    assert account.address == "bob.smith@example.org"
    with pytest.raises(Conflict):
        services.account_create(
            domain=domain, local_part="BOB.SMITH", password="pw-123456", acting_user=None
        )


def test_domain_names_are_normalised_and_validated():
    assert (
        services.domain_create(name="Mail.Example.COM.", acting_user=None).name
        == "mail.example.com"
    )
    assert (
        services.domain_create(name="bücher.example", acting_user=None).name
        == "xn--bcher-kva.example"
    )
    for bad in ["localhost", "-bad.example", "a..b", "under_score.example", ""]:
        with pytest.raises(ValidationFailed):
            services.domain_create(name=bad, acting_user=None)


@pytest.mark.parametrize(
    "local",
    ["", "a b", ".lead", "trail.", "a..b", "x+tag", "sl/ash", "wild*", "per%cent", "x" * 65],
)
def test_unsafe_local_parts_are_refused(domain, local):
    with pytest.raises(ValidationFailed):
        services.account_create(
            domain=domain, local_part=local, password="pw-123456", acting_user=None
        )


def test_account_gets_domain_default_quota_unless_given(domain):
    services.domain_update(domain=domain, acting_user=None, default_quota_bytes=5000)
    assert (
        services.account_create(
            domain=domain, local_part="a", password=None, acting_user=None
        ).quota_bytes
        == 5000
    )
    assert (
        services.account_create(
            domain=domain, local_part="b", password=None, acting_user=None, quota_bytes=None
        ).quota_bytes
        is None
    )


def test_domain_account_limit_is_enforced(domain):
    services.domain_update(domain=domain, acting_user=None, max_accounts=1)
    services.account_create(domain=domain, local_part="one", password=None, acting_user=None)
    with pytest.raises(LimitExceeded):
        services.account_create(domain=domain, local_part="two", password=None, acting_user=None)


def test_domain_admin_cannot_create_accounts_elsewhere_or_grant_roles(
    domain, other_domain, domain_admin
):
    services.account_create(domain=domain, local_part="ok", password=None, acting_user=domain_admin)
    with pytest.raises(NotPermitted):
        services.account_create(
            domain=other_domain, local_part="no", password=None, acting_user=domain_admin
        )
    with pytest.raises(NotPermitted):
        services.account_create(
            domain=domain,
            local_part="boss",
            password=None,
            acting_user=domain_admin,
            roles=["admin"],
        )


def test_owner_may_change_password_but_not_quota(account, owner):
    services.account_set_password(account=account, password="new-password-1", acting_user=owner)
    with pytest.raises(NotPermitted):
        services.account_update(account=account, acting_user=owner, quota_bytes=1)


def test_account_principal_changes_only_its_own_password(domain, account):
    other = services.account_create(
        domain=domain, local_part="other", password="pw-123456", acting_user=None
    )
    me = AccountPrincipal(account)
    services.account_set_password(account=account, password="mine-123456", acting_user=me)
    with pytest.raises(NotPermitted):
        services.account_set_password(account=other, password="theirs-123", acting_user=me)


def test_authenticate_refuses_disabled_expired_pending_and_wrong(domain, account):
    assert services.account_authenticate(address="ALICE@example.org", password="alice-pw-1")
    assert services.account_authenticate(address="alice@example.org", password="wrong") is None
    assert services.account_authenticate(address="nobody@example.org", password="x") is None
    for field, value in [
        ("is_active", False),
        ("expires_at", timezone.now() - timedelta(1)),
        ("deletion_pending_since", timezone.now()),
    ]:
        Account.objects.filter(pk=account.pk).update(**{field: value})
        assert services.account_authenticate(address=account.address, password="alice-pw-1") is None
        Account.objects.filter(pk=account.pk).update(
            is_active=True, expires_at=None, deletion_pending_since=None
        )


def test_alias_resolves_local_targets_and_keeps_external(domain, account):
    alias = services.alias_create(
        domain=domain,
        local_part="team",
        targets=["Alice@Example.org", "friend@elsewhere.net"],
        acting_user=None,
    )
    targets = {(t.account_id, t.external_address) for t in alias.targets.all()}
    assert targets == {(account.pk, ""), (None, "friend@elsewhere.net")}


def test_alias_to_unknown_local_address_is_refused(domain):
    with pytest.raises(ValidationFailed, match="not an account"):
        services.alias_create(
            domain=domain, local_part="x", targets=["ghost@example.org"], acting_user=None
        )


def test_alias_and_account_share_one_address_space(domain, account):
    with pytest.raises(Conflict):
        services.alias_create(
            domain=domain, local_part="alice", targets=[account.address], acting_user=None
        )
    services.alias_create(
        domain=domain, local_part="info", targets=[account.address], acting_user=None
    )
    with pytest.raises(Conflict):
        services.account_create(domain=domain, local_part="info", password=None, acting_user=None)


def test_catch_all_is_for_domain_admins_only(domain, account, owner, domain_admin):
    with pytest.raises(NotPermitted):
        services.alias_create(
            domain=domain, local_part="", targets=[account.address], acting_user=owner
        )
    alias = services.alias_create(
        domain=domain, local_part="", targets=[account.address], acting_user=domain_admin
    )
    assert alias.address == "@example.org"


def test_owner_cannot_alias_someone_elses_account(domain, account):
    stranger = User.objects.create_user("stranger", password="x")
    with pytest.raises(NotPermitted):
        services.alias_create(
            domain=domain, local_part="mine", targets=[account.address], acting_user=stranger
        )


def test_deleting_an_account_removes_aliases_left_without_destination(domain, account):
    services.alias_create(
        domain=domain, local_part="solo", targets=[account.address], acting_user=None
    )
    services.alias_create(
        domain=domain,
        local_part="mixed",
        targets=[account.address, "x@elsewhere.net"],
        acting_user=None,
    )
    services.account_delete(account=account, acting_user=None)
    assert list(Alias.objects.values_list("local_part", flat=True)) == ["mixed"]


def test_domain_delete_needs_force_when_accounts_remain(domain, account):
    with pytest.raises(Conflict):
        services.domain_delete(domain=domain, acting_user=None)
    services.domain_delete(domain=domain, acting_user=None, force=True)
    assert not Account.objects.exists()


def test_every_change_is_audited_without_secrets(domain, account):
    services.account_set_password(account=account, password="s3cret-value", acting_user=None)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert {"domain.create", "account.create", "account.set_password"} <= set(actions)
    assert not AuditEvent.objects.filter(detail__icontains="s3cret").exists()


def test_api_token_secret_is_not_stored(account):
    token, secret = services.api_token_create(principal=account)
    assert secret.startswith(services.TOKEN_PREFIX)
    assert token.digest == services.token_digest(secret) != secret
    assert secret not in str(AuditEvent.objects.values_list("detail", flat=True)[0])
