"""What the store services share: row locks, UID and modseq allocation, publishing,
and releasing contents no message uses any more."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from imapd.models import AccountStore, Mailbox, Message, MessageContent
from imapd.store import blobs
from imapd.store.dto import MAX_UID
from imapd.store.flags import keywords_register
from imapd.store.notifier import ChangeKind, MailboxChange, publish_on_commit
from imapd.store.queries import chunked
from mailplatform.errors import LimitExceeded, NotFound, ValidationFailed

BATCH: Final = 1000  # rows per INSERT; Django lowers it to what SQLite accepts
IN_BATCH: Final = 500  # ids per IN (...) list


def lock_store(account_id: int) -> AccountStore:
    store, _ = AccountStore.objects.select_for_update().get_or_create(account_id=account_id)
    return store


def lock_mailboxes(*pks: int) -> dict[int, Mailbox]:
    """Lock mailbox rows in id order; a missing one is NONEXISTENT (TRYCREATE for a target)."""
    locked = {
        mb.pk: mb for mb in Mailbox.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    for pk in pks:
        if pk not in locked:
            raise NotFound("No such mailbox.", code="TRYCREATE")
    return locked


def lock_mailbox(pk: int) -> Mailbox:
    return lock_mailboxes(pk)[pk]


def require_selectable(mailbox: Mailbox) -> None:
    if mailbox.noselect:
        raise ValidationFailed(f"{mailbox.name} cannot hold messages.", code="CANNOT")


def new_object_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def uidvalidity_next(store: AccountStore) -> int:
    """A UIDVALIDITY never given before in this account: the clock, or one more than the last."""
    value = max(int(time.time()), store.last_uidvalidity + 1)
    store.last_uidvalidity = value
    store.save(update_fields=["last_uidvalidity"])
    return value


def allocate(mailbox: Mailbox, count: int) -> tuple[list[int], int]:
    """The next `count` UIDs and the next modseq of a locked mailbox."""
    if mailbox.uidnext + count - 1 > MAX_UID:
        raise LimitExceeded(f"{mailbox.name} has used up its UIDs.", code="LIMIT")
    uids = list(range(mailbox.uidnext, mailbox.uidnext + count))
    return uids, mailbox.highest_modseq + 1


def publish(mailbox: Mailbox, modseq: int, kind: ChangeKind) -> None:
    publish_on_commit(
        MailboxChange(
            account_id=mailbox.account_id, mailbox_id=mailbox.pk, modseq=modseq, kind=kind
        )
    )


def unix_seconds(moment: datetime | None = None) -> int:
    """An INTERNALDATE as stored: whole Unix seconds (IMAP dates have second resolution)."""
    return int((moment or timezone.now()).timestamp())


def register_keywords(store: AccountStore, keywords: Iterable[str]) -> list[str]:
    registry = keywords_register(store.keywords, keywords)
    if registry != store.keywords:
        store.keywords = registry
        store.save(update_fields=["keywords"])
    return registry


def contents_release(*, account_id: int, content_ids: set[int]) -> None:
    """Delete contents no message refers to any more, and their blobs once committed.

    Reference check on delete rather than a counter: no counter to keep right on every copy,
    and the writers that could add a reference (COPY, MOVE) lock the source mailbox, which
    the deleting transaction holds.
    """
    if not content_ids:
        return
    orphans: list[tuple[int, str]] = []
    for chunk in chunked(sorted(content_ids), IN_BATCH):
        orphans.extend(
            MessageContent.objects.filter(pk__in=chunk)
            .filter(~Exists(Message.objects.filter(content=OuterRef("pk"))))
            .values_list("pk", "blob_key")
        )
    if not orphans:
        return
    for chunk in chunked([pk for pk, _ in orphans], IN_BATCH):
        MessageContent.objects.filter(pk__in=chunk).delete()
    keys = [key for _, key in orphans]
    transaction.on_commit(lambda: blobs.blobs_delete(account_id=account_id, keys=keys))
