"""The mail daemon's preparer seals with the key pairs its last commits read (`AccountMemory`)
instead of reading them for every batch; a guess gone stale must cost time, never secrecy."""

from __future__ import annotations

from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from imapd.crypto.models import AccountKeyPair, KeyPairState
from imapd.models import Message
from imapd.smtp.delivery import Arrival, stored_form
from imapd.store.services.delivery import (
    AccountMemory,
    Delivered,
    DeliveryItem,
    deliveries_commit,
    deliveries_prepare,
    prepared_only,
)
from mailplatform.errors import NotFound
from tests.crypto.conftest import BODY, blob_files, keys_of, message, plaintext_found, read_mailbox


def deliver_with(memory: AccountMemory, account_id: int, raw: bytes) -> object:
    """What the daemon's delivery worker does with one message: prepare, then commit."""
    item = DeliveryItem(account_id=account_id, raw=stored_form(raw, Arrival(), None))
    prepared = deliveries_prepare([item], memory)
    ready = prepared_only(prepared)
    if not ready:
        return prepared[0]
    return deliveries_commit(ready, memory)[0]


def test_the_preparer_reads_nothing_for_accounts_the_last_commit_read(plain_bob):
    memory = AccountMemory()
    assert isinstance(deliver_with(memory, plain_bob.pk, message(0)), Delivered)
    assert memory.pairs([plain_bob.pk]) == {plain_bob.pk: None}
    item = DeliveryItem(account_id=plain_bob.pk, raw=message(1))
    with CaptureQueriesContext(connection) as queries:
        prepared = deliveries_prepare([item], memory)
    assert len(queries) == 0
    deliveries_commit(prepared_only(prepared), memory)


def test_a_content_prepared_in_clear_for_an_account_that_got_keys_is_sealed_in_the_commit(
    plain_bob, settings
):
    memory = AccountMemory()
    assert isinstance(deliver_with(memory, plain_bob.pk, message(0)), Delivered)
    settings.MAIL_ENCRYPTION = "required"
    keyring = keys_of(plain_bob)  # the login that gives bob his keys, in another process maybe
    assert memory.pairs([plain_bob.pk]) == {plain_bob.pk: None}  # the preparer's stale guess

    result = deliver_with(memory, plain_bob.pk, message(1))

    assert isinstance(result, Delivered)
    content = Message.objects.get(
        mailbox__account=plain_bob, mailbox__name="INBOX", uid=result.uid
    ).content
    pair = AccountKeyPair.objects.get(account=plain_bob, state=KeyPairState.CURRENT)
    assert content.key_pair_id == pair.pk
    blob = Path(settings.BLOB_DIR, str(plain_bob.pk)).rglob(content.blob_key)
    sealed = next(blob).read_bytes()
    assert plaintext_found(sealed) == []
    # The first message (stored before the keys) and the sealed second: the clear copy of the
    # second, written by the preparer, is gone.
    assert len(blob_files(plain_bob, Path(settings.BLOB_DIR))) == 2
    assert memory.pairs([plain_bob.pk]) == {plain_bob.pk: (pair.pk, bytes(pair.public_key))}
    assert [BODY in raw.decode() for raw, *_ in read_mailbox(plain_bob, keyring)] == [True, True]


def test_an_account_deleted_since_the_last_commit_is_refused_and_forgotten(plain_bob, settings):
    memory = AccountMemory()
    deliver_with(memory, plain_bob.pk, message(0))
    account_id = plain_bob.pk
    Account.objects.filter(pk=account_id).delete()
    left = blob_files(plain_bob, Path(settings.BLOB_DIR))
    result = deliver_with(memory, account_id, message(1))
    assert isinstance(result, NotFound)
    assert memory.pairs([account_id]) == {}
    assert blob_files(plain_bob, Path(settings.BLOB_DIR)) == left  # its blob is removed
