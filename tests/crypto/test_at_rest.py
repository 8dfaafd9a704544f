"""What an attacker with the disk and the database, but no password, gets of encrypted mail."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from accounts.models import Account
from imapd.crypto.keyring import KeyUnavailable
from imapd.crypto.services import keyring_unlock
from imapd.models import Mailbox, Message, MessageContent
from imapd.store import selectors
from imapd.store.dto import AppendItem, UidSet
from imapd.store.services import messages_append, messages_copy
from tests.crypto.conftest import (
    MARKERS,
    PASSWORD,
    SUBJECT,
    blob_files,
    database_text,
    deliver,
    message,
    plaintext_found,
    read_mailbox,
    unlock,
)

pytestmark = pytest.mark.django_db


def _store_some(account: Account) -> list[bytes]:
    raws = [message(n) for n in range(3)]
    for raw in raws:
        deliver(account, raw)
    # The IMAP APPEND / API append path too, with flags and an internal date.
    sent = Mailbox.objects.get(account=account, name="Sent")
    messages_append(mailbox=sent, items=[AppendItem(raw=message(7), flags=("\\Seen",))])
    return raws


def test_no_plaintext_of_an_encrypted_accounts_mail_in_its_blobs_or_any_database_row(
    alice, plain_bob
):
    _store_some(alice)
    _store_some(plain_bob)
    alice_blobs = blob_files(alice, settings.BLOB_DIR)
    bob_blobs = blob_files(plain_bob, settings.BLOB_DIR)
    assert len(alice_blobs) == 4
    # The check can see plaintext: the account in clear shows every marker, on disk and in rows.
    assert plaintext_found(b"".join(bob_blobs.values())) == list(MARKERS)
    rows_text = database_text()
    assert plaintext_found(rows_text)  # bob's rows hold them
    for data in alice_blobs.values():
        assert plaintext_found(data) == []
        assert b"number" not in data
    # Remove bob's rows and files, then nothing of the markers is anywhere in the database.
    from accounts.services import account_delete

    account_delete(account=plain_bob, acting_user=None)
    assert plaintext_found(database_text()) == []


def test_what_stays_in_clear_is_sizes_dates_flags_and_mailbox_names(alice):
    raw = message(5)
    deliver(alice, raw)
    content = MessageContent.objects.get(account=alice)
    row = Message.objects.get(content=content)
    assert content.size == row.size == len(raw) + len(_trace_of(alice))
    assert content.sent_date is not None
    assert content.sent_at is not None
    assert row.internal_date > 0
    assert Mailbox.objects.filter(account=alice, name="INBOX").exists()
    # Everything else a client could search or read is sealed or empty.
    assert content.key_pair_id is not None
    assert content.sealed_key
    for text in (content.envelope, content.structure, content.header_fields):
        assert text.startswith("mps1:")
    assert [
        content.message_id,
        content.subject_search,
        content.from_search,
        content.to_search,
        content.cc_search,
        content.bcc_search,
    ] == [""] * 6


def _trace_of(account: Account) -> bytes:
    mailbox = Mailbox.objects.get(account=account, name="INBOX")
    ring = unlock(account)
    row = selectors.messages_fetch(mailbox_id=mailbox.pk, uids=UidSet.all(), keyring=ring)[0]
    stored = selectors.message_bytes_of(account_id=account.pk, row=row, keyring=ring)
    return stored[: stored.index(b"From: ")]


def test_the_accounts_password_reads_back_exactly_what_was_stored(alice):
    raws = _store_some(alice)
    ring = unlock(alice)
    inbox = read_mailbox(alice, ring)
    assert [stored.endswith(raw) for (stored, _, _), raw in zip(inbox, raws, strict=True)] == [
        True
    ] * 3
    envelope = json.loads(inbox[0][1] or "null")
    assert envelope[1] == f"{SUBJECT} 0"
    assert json.loads(inbox[0][2] or "{}")["bodystructure"][0] == "text"
    summary = selectors.message_summary(
        mailbox_id=Mailbox.objects.get(account=alice, name="INBOX").pk, uid=1, keyring=ring
    )
    assert summary.subject == f"{SUBJECT} 0"


def test_a_wrong_password_opens_no_key_and_reads_nothing(alice):
    _store_some(alice)
    wrong = keyring_unlock(account=alice, password="not-the-password")
    assert wrong is not None
    assert not wrong
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, wrong)
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, None)


def test_another_accounts_keys_do_not_read_it(alice, domain):
    from accounts import services as account_services

    carol = account_services.account_create(
        domain=domain, local_part="carol", password=PASSWORD, acting_user=None
    )
    _store_some(alice)
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, unlock(carol))


def test_the_blob_alone_without_its_row_is_refused_not_returned(alice):
    deliver(alice, message(1))
    content = MessageContent.objects.get(account=alice)
    # A reader that does not pass the row's key (an older caller) gets a refusal, not ciphertext.
    with pytest.raises(KeyUnavailable):
        selectors.message_bytes(account_id=alice.pk, blob_key=content.blob_key)


def test_an_altered_blob_or_wrapped_key_is_refused(alice):
    deliver(alice, message(1))
    content = MessageContent.objects.get(account=alice)
    ring = unlock(alice)
    path = settings.BLOB_DIR / str(alice.pk) / content.blob_key[:2] / content.blob_key
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, ring)
    sealed = bytearray(bytes(content.sealed_key or b""))
    sealed[-1] ^= 1
    MessageContent.objects.filter(pk=content.pk).update(sealed_key=bytes(sealed))
    with pytest.raises(KeyUnavailable):
        read_mailbox(alice, unlock(alice))


def test_copies_share_the_encrypted_content_and_read_the_same(alice):
    deliver(alice, message(2))
    inbox = Mailbox.objects.get(account=alice, name="INBOX")
    archive = Mailbox.objects.get(account=alice, name="Archive")
    messages_copy(source=inbox, uids=UidSet.all(), dest=archive)
    ring = unlock(alice)
    assert read_mailbox(alice, ring, "Archive") == read_mailbox(alice, ring, "INBOX")
    assert MessageContent.objects.filter(account=alice).count() == 1


def test_the_export_page_refuses_an_encrypted_mailbox_instead_of_sending_ciphertext(
    alice, owner, client
):
    Account.objects.filter(pk=alice.pk).update(owner=owner)
    deliver(alice, message(1))
    client.force_login(owner)
    response = client.get(f"/account/mailboxes/{alice.address}/export", follow=True)
    assert response.redirect_chain
    assert response.redirect_chain[-1][1] == 302
    assert "is encrypted" in response.content.decode()


def test_deleting_an_encrypted_account_removes_its_keys_and_mail(alice):
    from accounts.services import account_delete
    from imapd.crypto.models import AccountEncryption, AccountKeyPair

    deliver(alice, message(1))
    account_delete(account=alice, acting_user=None)
    assert not AccountKeyPair.objects.exists()
    assert not AccountEncryption.objects.exists()
    assert not MessageContent.objects.exists()
