"""A password change with the old password: the private key is re-wrapped in the same
transaction as the hash, nothing is re-encrypted, and a done rekey action is recorded."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Account, AuditEvent
from imapd.crypto.keyring import KeyUnavailable
from imapd.crypto.models import AccountKeyPair
from imapd.crypto.services import account_keys_rewrap
from imapd.models import MessageContent
from mailplatform.errors import ValidationFailed
from moderation import services as moderation_services
from moderation.models import ActionKind, ActionState, PendingAction
from tests.crypto.conftest import (
    NEW_PASSWORD,
    PASSWORD,
    deliver,
    message,
    read_mailbox,
    unlock,
)

pytestmark = pytest.mark.django_db


def _snapshot(account: Account) -> list[tuple[str, bytes | None]]:
    return list(
        MessageContent.objects.filter(account=account)
        .order_by("pk")
        .values_list("blob_key", "sealed_key")
    )


def test_after_a_password_change_old_and_new_mail_read_the_same(alice):
    for n in range(3):
        deliver(alice, message(n))
    before = read_mailbox(alice, unlock(alice))
    stored = _snapshot(alice)
    action = account_keys_rewrap(
        account=alice, old_password=PASSWORD, new_password=NEW_PASSWORD, acting_user=None
    )
    # Nothing re-encrypted: the blobs and the wrapped message keys are the very same.
    assert _snapshot(alice) == stored
    for n in range(3, 5):
        deliver(alice, message(n))
    ring = unlock(alice, NEW_PASSWORD)
    after = read_mailbox(alice, ring)
    assert after[:3] == before
    assert [raw.endswith(message(n)) for n, (raw, _, _) in enumerate(after)] == [True] * 5
    assert (action.kind, action.state) == (ActionKind.REKEY, ActionState.DONE)
    assert "re-wrapped" in action.result


def test_the_old_password_no_longer_opens_the_keys(alice):
    deliver(alice, message(1))
    account_keys_rewrap(
        account=alice, old_password=PASSWORD, new_password=NEW_PASSWORD, acting_user=None
    )
    alice.refresh_from_db()
    from imapd.crypto.services import keyring_unlock

    stale = keyring_unlock(account=alice, password=PASSWORD)
    assert stale is not None
    assert not stale
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, stale)


def test_a_wrong_old_password_changes_nothing(alice):
    wrapped = list(AccountKeyPair.objects.values_list("password_wrapped", flat=True))
    hashed = alice.password
    with pytest.raises(ValidationFailed, match="current password is wrong"):
        account_keys_rewrap(
            account=alice, old_password="guess", new_password=NEW_PASSWORD, acting_user=None
        )
    alice.refresh_from_db()
    assert alice.password == hashed
    assert list(AccountKeyPair.objects.values_list("password_wrapped", flat=True)) == wrapped
    assert not PendingAction.objects.exists()


def test_the_hash_and_the_key_change_in_one_transaction(alice, monkeypatch):
    """If recording the change fails after the re-wrap, the old password still opens both."""
    from moderation.services import pending_actions

    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(pending_actions, "rekey_record", broken)
    with pytest.raises(RuntimeError):
        account_keys_rewrap(
            account=alice, old_password=PASSWORD, new_password=NEW_PASSWORD, acting_user=None
        )
    alice.refresh_from_db()
    assert account_services.account_authenticate(address=alice.address, password=PASSWORD)
    assert unlock(alice)


def test_change_password_command_with_the_old_password_file(alice, tmp_path):
    deliver(alice, message(1))
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text(PASSWORD + "\n")
    new.write_text(NEW_PASSWORD + "\n")
    out = StringIO()
    call_command(
        "change_password",
        alice.address,
        "--old-password-file",
        str(old),
        "--password-file",
        str(new),
        stdout=out,
    )
    assert "Changed the password" in out.getvalue()
    alice.refresh_from_db()
    assert read_mailbox(alice, unlock(alice, NEW_PASSWORD))[0][0].endswith(message(1))
    assert PendingAction.objects.get(kind=ActionKind.REKEY).state == ActionState.DONE


def test_change_password_command_without_the_old_password_refuses_to_lose_mail(alice, tmp_path):
    new = tmp_path / "new"
    new.write_text(NEW_PASSWORD)
    with pytest.raises(CommandError, match="unreadable"):
        call_command("change_password", alice.address, "--password-file", str(new))
    alice.refresh_from_db()
    assert account_services.account_authenticate(address=alice.address, password=PASSWORD)


def test_the_self_service_change_rewraps_and_records_a_done_rekey(alice, owner):
    Account.objects.filter(pk=alice.pk).update(owner=owner)
    alice.refresh_from_db()
    deliver(alice, message(3))
    action = moderation_services.mailbox_password_change(
        account=alice,
        old_password=PASSWORD,
        new_password="a-much-longer-new-secret-9",
        acting_user=owner,
    )
    assert action.state == ActionState.DONE
    alice.refresh_from_db()
    assert read_mailbox(alice, unlock(alice, "a-much-longer-new-secret-9"))[0][0].endswith(
        message(3)
    )
    assert moderation_services.pending_actions_run_due() == []


def test_the_api_changes_the_password_with_the_old_one(alice, superadmin):
    deliver(alice, message(4))
    client = APIClient()
    client.force_authenticate(superadmin)
    url = f"/api/v1/accounts/{alice.address}/password"
    wrong = client.post(url, {"password": NEW_PASSWORD, "old_password": "nope"}, format="json")
    assert wrong.status_code == 400
    response = client.post(url, {"password": NEW_PASSWORD, "old_password": PASSWORD}, format="json")
    assert response.status_code == 204
    alice.refresh_from_db()
    assert read_mailbox(alice, unlock(alice, NEW_PASSWORD))[0][0].endswith(message(4))
    assert AuditEvent.objects.filter(
        action="account.set_password", detail__keys="keys re-wrapped"
    ).exists()
