"""Whole-account removal and the periodic collection of orphan blobs."""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.models import Account
from imapd.models import (
    AccountStore,
    Mailbox,
    MailboxAcl,
    Message,
    MessageContent,
    Subscription,
    Tombstone,
)
from imapd.store import blobs
from imapd.store.notifier import ChangeKind
from imapd.store.queries import chunked
from imapd.store.services._common import IN_BATCH, contents_release, lock_store, publish


@transaction.atomic
def account_store_delete(*, account: Account) -> None:
    """Remove all of an account's mail; its blob directory goes once the deletion commits."""
    account_id = account.pk
    lock_store(account_id)  # no delivery slips in between the deletions below
    mailboxes = list(Mailbox.objects.filter(account_id=account_id))
    Message.objects.filter(mailbox__account_id=account_id).delete()
    Tombstone.objects.filter(mailbox__account_id=account_id).delete()
    MessageContent.objects.filter(account_id=account_id).delete()
    Mailbox.objects.filter(account_id=account_id).delete()
    Subscription.objects.filter(account_id=account_id).delete()
    # Rights granted to the address on others' mailboxes must not pass to a later account of
    # the same address; negative entries only ever restrict, and stay.
    MailboxAcl.objects.filter(identifier=account.address).delete()
    AccountStore.objects.filter(account_id=account_id).delete()
    for mailbox in mailboxes:
        publish(mailbox, mailbox.highest_modseq + 1, ChangeKind.MAILBOX)
    transaction.on_commit(lambda: blobs.blobs_delete_account(account_id=account_id))


def orphan_blobs_delete(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete blob files no content refers to (crash leftovers); returns how many files.

    Only files older than `older_than` are considered, so a blob written for a transaction
    that has not committed yet is never taken for an orphan. Contents left without messages
    (two concurrent expunges of the last two copies on PostgreSQL each see the other's copy)
    are released first. For a periodic job.
    """
    with transaction.atomic():
        unreferenced = MessageContent.objects.filter(
            ~Exists(Message.objects.filter(content=OuterRef("pk")))
        ).values_list("account_id", "pk")
        by_account: dict[int, set[int]] = {}
        for account_id, pk in unreferenced:
            by_account.setdefault(account_id, set()).add(pk)
        for account_id, pks in by_account.items():
            contents_release(account_id=account_id, content_ids=pks)
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for account_id in blobs.blob_accounts():
        old_keys: list[str] = []
        for name, mtime, temporary in blobs.blob_files(account_id=account_id):
            if mtime >= cutoff:
                continue
            if temporary:
                blobs.blob_temp_delete(account_id=account_id, name=name)
                removed += 1
            else:
                old_keys.append(name)
        for chunk in chunked(old_keys, IN_BATCH):
            referenced = set(
                MessageContent.objects.filter(
                    account_id=account_id, blob_key__in=chunk
                ).values_list("blob_key", flat=True)
            )
            orphans = [key for key in chunk if key not in referenced]
            blobs.blobs_delete(account_id=account_id, keys=orphans)
            removed += len(orphans)
    return removed
