"""Switching an account on later: its mail stored in clear is encrypted in batches, online,
resumably, and nothing of it stays readable on disk or in the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import Account
from imapd.crypto import tasks
from imapd.crypto.models import AccountEncryption, EncryptionState
from imapd.crypto.services import account_encrypt_existing, account_encryption_enable
from imapd.models import MessageContent
from mailplatform.errors import NotPermitted, ValidationFailed
from tests.crypto.conftest import (
    PASSWORD,
    blob_files,
    deliver,
    message,
    plaintext_found,
    read_mailbox,
    unlock,
)

pytestmark = pytest.mark.django_db


def _in_clear(account: Account) -> int:
    return MessageContent.objects.filter(account=account, key_pair__isnull=True).count()


def _columns_text(account: Account) -> str:
    return "\n".join(
        "\n".join(map(str, row))
        for row in MessageContent.objects.filter(account=account).values_list(
            "message_id", "subject_search", "from_search", "cc_search", "envelope", "header_fields"
        )
    )


def test_switching_on_encrypts_existing_mail_in_resumable_batches(
    plain_bob, django_capture_on_commit_callbacks
):
    for n in range(7):
        deliver(plain_bob, message(n))
    before = read_mailbox(plain_bob, None)
    assert plaintext_found(_columns_text(plain_bob))
    assert account_encryption_enable(account=plain_bob, acting_user=None, password=PASSWORD) == (
        "encrypted"
    )
    deliver(plain_bob, message(7))  # new mail is encrypted at once
    assert _in_clear(plain_bob) == 7
    with django_capture_on_commit_callbacks(execute=True):
        first = account_encrypt_existing(account_id=plain_bob.pk, batch_size=3)
    assert (first.encrypted, first.remaining) == (3, 4)
    # Online meanwhile: what is encrypted and what is not both read through the same path.
    assert read_mailbox(plain_bob, unlock(plain_bob))[:7] == before
    # "Interrupted" here; a later run goes on with what is left.
    with django_capture_on_commit_callbacks(execute=True):
        second = account_encrypt_existing(account_id=plain_bob.pk, batch_size=100)
    assert (second.encrypted, second.remaining) == (4, 0)
    assert AccountEncryption.objects.get(account=plain_bob).encrypting_since is None
    assert read_mailbox(plain_bob, unlock(plain_bob))[:7] == before
    assert plaintext_found(_columns_text(plain_bob)) == []
    files = blob_files(plain_bob, settings.BLOB_DIR)
    assert len(files) == 8  # the clear blobs are gone once their rows point elsewhere
    for data in files.values():
        assert plaintext_found(data) == []


def test_a_message_expunged_while_being_encrypted_is_not_brought_back(
    plain_bob, monkeypatch, django_capture_on_commit_callbacks
):
    deliver(plain_bob, message(1))
    account_encryption_enable(account=plain_bob, acting_user=None, password=PASSWORD)
    from imapd.crypto import services
    from imapd.models import Mailbox
    from imapd.store.dto import UidSet
    from imapd.store.services import StoreMode, flags_store, messages_expunge

    inbox = Mailbox.objects.get(account=plain_bob, name="INBOX")
    real_save = services._encrypted_rows_save

    def expunged_meanwhile(account_id, prepared, new_keys):
        flags_store(mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=("\\Deleted",))
        messages_expunge(mailbox=inbox)
        return real_save(account_id, prepared, new_keys)

    monkeypatch.setattr(services, "_encrypted_rows_save", expunged_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        progress = account_encrypt_existing(account_id=plain_bob.pk)
    assert progress.encrypted == 0
    assert MessageContent.objects.filter(account=plain_bob).count() == 0
    assert blob_files(plain_bob, settings.BLOB_DIR) == {}  # neither the old nor the new blob


def test_the_celery_job_and_the_sweep_do_the_whole_account(plain_bob, monkeypatch):
    for n in range(5):
        deliver(plain_bob, message(n))
    queued: list[int] = []
    monkeypatch.setattr(tasks.encrypt_account, "delay", queued.append)
    account_encryption_enable(account=plain_bob, acting_user=None, password=PASSWORD)
    assert tasks.encryption_sweep() == 1
    assert queued == [plain_bob.pk]
    result = tasks.encrypt_account.run(plain_bob.pk)
    assert result == {"encrypted": 5, "remaining": 0}
    assert tasks.encryption_sweep() == 0
    assert _in_clear(plain_bob) == 0


def test_encrypt_account_command_without_password_makes_keys_at_the_next_login(plain_bob):
    deliver(plain_bob, message(1))
    out = StringIO()
    call_command("encrypt_account", plain_bob.address, stdout=out)
    assert "next login" in out.getvalue()
    assert AccountEncryption.objects.get(account=plain_bob).state == EncryptionState.REQUESTED
    deliver(plain_bob, message(2))
    assert _in_clear(plain_bob) == 2  # no keys yet: still in clear
    ring = unlock(plain_bob)
    assert ring
    deliver(plain_bob, message(3))
    assert _in_clear(plain_bob) == 2
    account_encrypt_existing(account_id=plain_bob.pk)
    assert _in_clear(plain_bob) == 0
    mail = read_mailbox(plain_bob, unlock(plain_bob))
    assert [raw.endswith(message(n)) for n, (raw, _, _) in enumerate(mail, start=1)] == [True] * 3


def test_encrypt_account_command_with_password_and_wait(plain_bob, tmp_path):
    for n in range(3):
        deliver(plain_bob, message(n))
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD)
    out = StringIO()
    call_command(
        "encrypt_account", plain_bob.address, "--password-file", str(password_file), "--wait",
        stdout=out,
    )  # fmt: skip
    assert "3 messages encrypted, 0 left in clear" in out.getvalue()
    assert _in_clear(plain_bob) == 0
    status = StringIO()
    call_command("encryption_status", plain_bob.address, "--json", stdout=status)
    assert '"contents_in_clear": 0' in status.getvalue()
    assert '"contents_encrypted": 3' in status.getvalue()


def test_switching_on_needs_the_right_password_and_the_policy(plain_bob, settings):
    with pytest.raises(ValidationFailed):
        account_encryption_enable(account=plain_bob, acting_user=None, password="wrong")
    settings.MAIL_ENCRYPTION = "off"
    with pytest.raises(NotPermitted):
        account_encryption_enable(account=plain_bob, acting_user=None, password=PASSWORD)
    assert not AccountEncryption.objects.filter(account=plain_bob).exists()
