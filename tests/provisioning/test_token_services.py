"""Token creation, change and deletion: validation, rights, secrets and the audit log."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuditEvent
from mailplatform.errors import Conflict, NotPermitted, ValidationFailed
from provisioning import services
from provisioning.models import Token, TokenAccount
from provisioning.tokens import secret_digest


def test_new_token_has_mailadm_defaults_and_a_random_secret(domain):
    token = services.token_create(name="oneday", domain=domain, acting_user=None)
    assert (token.prefix, token.expiry, token.maxuse, token.usecount) == ("tmp.", "1d", 50, 0)
    assert token.is_active
    # 24 random bytes in URL-safe base64: 192 bits, nothing derived from the expiry.
    assert len(token.secret) == 32
    assert not token.secret.startswith("1d")
    assert token.digest == secret_digest(token.secret)


def test_two_tokens_never_get_the_same_secret(make_token):
    assert make_token("a").secret != make_token("b").secret


@pytest.mark.parametrize(
    "name", ["", ".hidden", "a/b", "a#b", "a?b", "a%b", "two words", "x" * 101]
)
def test_bad_token_names_are_refused(domain, name):
    with pytest.raises(ValidationFailed) as info:
        services.token_create(name=name, domain=domain, acting_user=None)
    assert info.value.field == "name"


def test_duplicate_name_is_a_conflict(make_token):
    make_token("same")
    with pytest.raises(Conflict):
        make_token("same")


@pytest.mark.parametrize("secret", ["short", "x" * 21, "has space" + "x" * 20, "ü" * 30])
def test_weak_or_unsafe_admin_chosen_secret_is_refused(domain, secret):
    with pytest.raises(ValidationFailed) as info:
        services.token_create(name="t", domain=domain, acting_user=None, secret=secret)
    assert info.value.field == "secret"


def test_admin_chosen_secret_must_not_be_shared_with_another_token(make_token):
    make_token("a", secret="S" * 22)
    with pytest.raises(Conflict):
        make_token("b", secret="S" * 22)


@pytest.mark.parametrize("prefix", ["bad prefix", "a@b", "..", "x" * 33])
def test_prefix_that_cannot_start_a_local_part_is_refused(domain, prefix):
    with pytest.raises(ValidationFailed):
        services.token_create(name="t", domain=domain, acting_user=None, prefix=prefix)


def test_domain_admin_may_create_tokens_only_for_their_domains(domain, other_domain, domain_admin):
    assert services.token_create(name="mine", domain=domain, acting_user=domain_admin)
    with pytest.raises(NotPermitted):
        services.token_create(name="theirs", domain=other_domain, acting_user=domain_admin)
    assert not Token.objects.filter(name="theirs").exists()


def test_creation_change_and_deletion_are_audited_without_the_secret(make_token, superadmin):
    token = make_token("audited")
    old_secret = token.secret
    services.token_update(token=token, acting_user=superadmin, maxuse=5, secret="N" * 30)
    services.token_delete(token=token, acting_user=superadmin)
    events = list(AuditEvent.objects.filter(target="audited").order_by("pk"))
    assert [e.action for e in events] == ["token.create", "token.update", "token.delete"]
    assert events[1].detail == {"maxuse": 5, "secret": "changed"}
    assert events[1].actor == "root"
    dumped = json.dumps([e.detail for e in events])
    assert old_secret not in dumped
    assert "N" * 30 not in dumped


def test_changing_the_secret_changes_the_lookup_digest(token):
    services.token_update(token=token, acting_user=None, secret="Z" * 40)
    token.refresh_from_db()
    assert token.digest == secret_digest("Z" * 40)


def test_update_writes_only_changed_fields_so_a_concurrent_use_count_survives(token):
    stale = Token.objects.get(pk=token.pk)
    Token.objects.filter(pk=token.pk).update(usecount=7)  # a use committed meanwhile
    services.token_update(token=stale, acting_user=None, expiry="1w")
    token.refresh_from_db()
    assert (token.usecount, token.expiry) == (7, "1w")


def test_unchanged_update_writes_no_audit_event(token):
    services.token_update(token=token, acting_user=None, expiry="1d", maxuse=50)
    assert not AuditEvent.objects.filter(action="token.update").exists()


def test_deleting_a_token_keeps_the_accounts_it_created(token):
    created = services.token_redeem(secret=token.secret)
    services.token_delete(token=token, acting_user=None)
    record = TokenAccount.objects.get(account=created.account)
    assert record.token is None


def test_domain_admin_cannot_change_or_delete_another_domains_token(
    other_domain, domain_admin, make_token
):
    foreign = make_token("foreign", domain=other_domain)
    with pytest.raises(NotPermitted):
        services.token_update(token=foreign, acting_user=domain_admin, maxuse=1)
    with pytest.raises(NotPermitted):
        services.token_delete(token=foreign, acting_user=domain_admin)
    foreign.refresh_from_db()
    assert foreign.maxuse == 50
