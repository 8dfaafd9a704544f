"""Password resets without the old password: refused until confirmed when mail would be lost
(service, API, admin site, command line), and the recovery path with the offline key."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import passwords
from accounts import services as account_services
from accounts.models import Account
from imapd.crypto.keyring import KeyUnavailable
from imapd.crypto.maintenance import keys_maintenance_step
from imapd.crypto.models import AccountEncryption, AccountKeyPair, EncryptionState, KeyPairState
from mailplatform.errors import Conflict, ValidationFailed
from tests.crypto.conftest import (
    NEW_PASSWORD,
    PASSWORD,
    deliver,
    message,
    private_pem,
    read_mailbox,
    unlock,
)

pytestmark = pytest.mark.django_db


def _state(account: Account) -> str:
    return AccountEncryption.objects.get(account=account).state


# --- without a recovery key: the key-losing reset needs a confirmation ---------------------


def test_a_reset_that_would_lose_mail_is_refused_and_changes_nothing(alice):
    deliver(alice, message(1))
    hashed = alice.password
    with pytest.raises(Conflict, match="unreadable") as refused:
        account_services.account_set_password(
            account=alice, password=NEW_PASSWORD, acting_user=None
        )
    assert refused.value.code == "encrypted_mail"
    alice.refresh_from_db()
    assert alice.password == hashed
    assert read_mailbox(alice, unlock(alice))[0][0].endswith(message(1))


def test_a_confirmed_reset_makes_new_keys_and_leaves_old_mail_unreadable(alice):
    deliver(alice, message(1))
    old_pair = AccountKeyPair.objects.get(account=alice)
    account_services.account_set_password(
        account=alice, password=NEW_PASSWORD, acting_user=None, discard_encrypted_mail=True
    )
    deliver(alice, message(2))
    alice.refresh_from_db()
    ring = unlock(alice, NEW_PASSWORD)
    assert ring is not None
    old_pair.refresh_from_db()
    assert old_pair.state == KeyPairState.LOCKED
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, ring)  # the first message is gone for good
    from imapd.models import Mailbox
    from imapd.store import selectors
    from imapd.store.dto import UidSet

    inbox = Mailbox.objects.get(account=alice, name="INBOX")
    [new_row] = selectors.messages_fetch(mailbox_id=inbox.pk, uids=UidSet.of([2]), keyring=ring)
    assert selectors.message_bytes_of(account_id=alice.pk, row=new_row, keyring=ring).endswith(
        message(2)
    )


def test_the_api_tells_before_and_refuses_until_confirmed(alice, superadmin):
    client = APIClient()
    client.force_authenticate(superadmin)
    status = client.get(f"/api/v1/accounts/{alice.address}/encryption")
    assert status.status_code == 200
    assert status.json()["state"] == "on"
    assert status.json()["password_reset_loses_mail"] is True
    url = f"/api/v1/accounts/{alice.address}/password"
    refused = client.post(url, {"password": NEW_PASSWORD}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "encrypted_mail"
    assert "unreadable" in refused.json()["reason"]
    done = client.post(
        url, {"password": NEW_PASSWORD, "discard_encrypted_mail": True}, format="json"
    )
    assert done.status_code == 204
    alice.refresh_from_db()
    assert passwords.verify_password(NEW_PASSWORD, alice.password)


def _admin_set_password(client: Client, account: Account, **fields: str):
    return client.post(
        reverse("admin:accounts_account_changelist"),
        {"action": "set_password", "_selected_action": [str(account.pk)], **fields},
    )


def test_the_admin_site_warns_and_requires_the_confirmation(alice, superadmin, client):
    client.force_login(superadmin)
    page = _admin_set_password(client, alice)
    text = page.content.decode()
    assert "makes all of that existing mail unreadable" in text
    assert "discard_encrypted_mail" in page.context["form"].fields
    typed = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "scheme": "SHA512-CRYPT"}
    unconfirmed = _admin_set_password(client, alice, apply="1", **typed)
    assert unconfirmed.status_code == 200
    assert unconfirmed.context["form"].errors["discard_encrypted_mail"]
    alice.refresh_from_db()
    assert passwords.verify_password(PASSWORD, alice.password)
    confirmed = _admin_set_password(client, alice, apply="1", discard_encrypted_mail="on", **typed)
    assert confirmed.status_code == 302
    alice.refresh_from_db()
    assert passwords.verify_password(NEW_PASSWORD, alice.password)
    assert AccountKeyPair.objects.filter(account=alice, state=KeyPairState.LOCKED).count() == 1


def test_the_admin_form_has_no_confirmation_for_accounts_in_clear(plain_bob, superadmin, client):
    client.force_login(superadmin)
    page = _admin_set_password(client, plain_bob)
    assert "discard_encrypted_mail" not in page.context["form"].fields
    assert "unreadable" not in page.content.decode()


# --- with a recovery key -------------------------------------------------------------------


def _recover(account: Account, key_file, password_file) -> str:
    out = StringIO()
    call_command(
        "recover_account_key",
        account.address,
        "--recovery-key-file",
        str(key_file),
        "--password-file",
        str(password_file),
        stdout=out,
    )
    return out.getvalue()


def test_an_admin_reset_then_recovery_with_the_offline_key_reads_all_mail(
    recovery_key, domain, tmp_path
):
    alice = account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )
    deliver(alice, message(1))
    # The reset needs no confirmation: nothing is lost, the mail waits for the recovery.
    account_services.account_set_password(account=alice, password=NEW_PASSWORD, acting_user=None)
    assert _state(alice) == EncryptionState.AWAITING_RECOVERY
    deliver(alice, message(2))  # delivery goes on meanwhile
    alice.refresh_from_db()
    locked_out = unlock(alice, NEW_PASSWORD)
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, locked_out)
    key_file = tmp_path / "recovery.pem"
    key_file.write_bytes(private_pem(recovery_key))
    password_file = tmp_path / "password"
    password_file.write_text(NEW_PASSWORD)
    assert "Recovered" in _recover(alice, key_file, password_file)
    alice.refresh_from_db()
    assert _state(alice) == EncryptionState.ON
    mail = read_mailbox(alice, unlock(alice, NEW_PASSWORD))
    assert [raw.endswith(message(n)) for n, (raw, _, _) in enumerate(mail, start=1)] == [True] * 2


def test_the_wrong_recovery_key_is_refused_and_changes_nothing(recovery_key, domain, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    alice = account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )
    wrapped = AccountKeyPair.objects.get(account=alice).password_wrapped
    key_file = tmp_path / "not-the-key.pem"
    key_file.write_bytes(private_pem(X25519PrivateKey.generate()))
    password_file = tmp_path / "password"
    password_file.write_text(NEW_PASSWORD)
    with pytest.raises(CommandError, match="opens none"):
        _recover(alice, key_file, password_file)
    alice.refresh_from_db()
    assert passwords.verify_password(PASSWORD, alice.password)
    assert bytes(AccountKeyPair.objects.get(account=alice).password_wrapped) == bytes(wrapped)


def test_a_recovery_key_configured_later_is_added_at_the_next_login(alice, settings, tmp_path):
    assert AccountKeyPair.objects.get(account=alice).recovery_wrapped is None
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from tests.crypto.conftest import serialization

    private = X25519PrivateKey.generate()
    public_file = tmp_path / "public.pem"
    public_file.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.RECOVERY_PUBLIC_KEY_FILE = str(public_file)
    from imapd.crypto.services import reset_loses_mail

    assert reset_loses_mail(alice)
    unlock(alice)
    assert AccountKeyPair.objects.get(account=alice).recovery_wrapped is not None
    assert not reset_loses_mail(alice)


def test_mail_of_a_confirmed_reset_comes_back_with_the_recovery_key(recovery_key, domain, tmp_path):
    alice = account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )
    deliver(alice, message(1))
    account_services.account_set_password(
        account=alice, password=NEW_PASSWORD, acting_user=None, discard_encrypted_mail=True
    )
    deliver(alice, message(2))
    key_file = tmp_path / "recovery.pem"
    key_file.write_bytes(private_pem(recovery_key))
    password_file = tmp_path / "password"
    password_file.write_text(NEW_PASSWORD)
    _recover(alice, key_file, password_file)
    alice.refresh_from_db()
    ring = unlock(alice, NEW_PASSWORD)
    assert ring is not None
    # The locked pair came back as retiring; the daemon moves its message keys at login.
    while not keys_maintenance_step(account_id=alice.pk, keyring=ring).done:
        pass
    assert set(AccountKeyPair.objects.filter(account=alice).values_list("state", flat=True)) == {
        KeyPairState.CURRENT
    }
    mail = read_mailbox(alice, unlock(alice, NEW_PASSWORD))
    assert [raw.endswith(message(n)) for n, (raw, _, _) in enumerate(mail, start=1)] == [True] * 2


def test_recovery_of_an_account_without_keys_is_refused(plain_bob, recovery_key):
    from imapd.crypto.services import account_keys_recover

    with pytest.raises(ValidationFailed, match="no keys"):
        account_keys_recover(
            account=plain_bob, recovery_key=recovery_key, password=NEW_PASSWORD, acting_user=None
        )
    plain_bob.refresh_from_db()
    assert passwords.verify_password(PASSWORD, plain_bob.password)


def test_a_password_change_while_awaiting_recovery_keeps_the_mail_recoverable(
    recovery_key, domain, tmp_path
):
    from imapd.crypto.services import account_keys_rewrap

    alice = account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )
    deliver(alice, message(1))
    account_services.account_set_password(account=alice, password=NEW_PASSWORD, acting_user=None)
    alice.refresh_from_db()
    account_keys_rewrap(
        account=alice, old_password=NEW_PASSWORD, new_password="third-pw-3", acting_user=None
    )
    assert _state(alice) == EncryptionState.AWAITING_RECOVERY
    key_file = tmp_path / "recovery.pem"
    key_file.write_bytes(private_pem(recovery_key))
    password_file = tmp_path / "password"
    password_file.write_text("third-pw-3")
    _recover(alice, key_file, password_file)
    alice.refresh_from_db()
    assert read_mailbox(alice, unlock(alice, "third-pw-3"))[0][0].endswith(message(1))
