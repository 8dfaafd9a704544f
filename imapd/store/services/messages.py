"""Message services: APPEND, import, delivery, COPY, MOVE, EXPUNGE."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.lookups import Exact

from accounts.models import Account
from imapd.crypto import sealing
from imapd.models import Mailbox, Message, Tombstone
from imapd.store import names
from imapd.store.dto import AppendItem, AppendResult, CopyResult, UidSet
from imapd.store.flags import DELETED, SEEN, keyword_mask, parse_flags
from imapd.store.notifier import ChangeKind
from imapd.store.queries import uid_filters
from imapd.store.quota import quota_check
from imapd.store.services._common import (
    BATCH,
    contents_release,
    lock_mailbox,
    lock_mailboxes,
    lock_store,
    publish,
    register_keywords,
    require_selectable,
    unix_seconds,
)
from imapd.store.services.contents import (
    PreparedContent,
    content_prepare,
    contents_discard,
    size_check,
)
from imapd.store.services.delivery import DeliveryItem, delivery_store
from imapd.store.services.rows import NewContent, NewMessage, contents_insert, messages_insert
from imapd.store.summary import ContentFields
from mailplatform.errors import ValidationFailed
from mailplatform.sql import pipelined


@dataclass(frozen=True)
class StoredMessage:
    """A message whose bytes are already durable in the blob store, with their analysis."""

    blob_key: str
    fields: ContentFields
    flags: Sequence[str] = ()
    internal_date: datetime | None = None
    # Set when the blob and fields are encrypted (imapd.crypto): the content key, in memory.
    seal: sealing.ContentSeal | None = None


def messages_append(*, mailbox: Mailbox, items: Sequence[AppendItem]) -> AppendResult:
    """RFC 3501 6.3.11 APPEND, RFC 3502 MULTIAPPEND: all messages or none.

    The bytes are analysed and written (fsynced) before the transaction starts, so the
    database's write lock is not held during disk I/O; if the rows are not committed the
    blobs are removed again (a crash leaves orphans for `orphan_blobs_delete`).
    """
    if not items:
        raise ValidationFailed("Nothing to append.", code="CANNOT")
    for item in items:
        parse_flags(item.flags)  # refuse bad flags before writing anything
        size_check(item.raw)
        if not item.raw:
            raise ValidationFailed("An empty message cannot be appended.", code="CANNOT")
    sealer = sealing.sealer_for(mailbox.account_id)
    prepared: list[PreparedContent] = []
    try:
        for item in items:
            prepared.append(
                content_prepare(account_id=mailbox.account_id, raw=item.raw, sealer=sealer)
            )
        for content in prepared:
            content.blob.wait()
        return messages_import(
            mailbox=mailbox,
            stored=[
                StoredMessage(
                    blob_key=content.blob.key,
                    fields=content.fields,
                    flags=item.flags,
                    internal_date=item.internal_date,
                    seal=content.seal,
                )
                for content, item in zip(prepared, items, strict=True)
            ],
        )
    except BaseException:
        contents_discard(account_id=mailbox.account_id, prepared=prepared)
        raise


@transaction.atomic
def messages_import(*, mailbox: Mailbox, stored: Sequence[StoredMessage]) -> AppendResult:
    """Append messages whose blobs are already written: APPEND's database half, and the way
    for bulk importers that write many blobs and sync them once."""
    if not stored:
        raise ValidationFailed("Nothing to append.", code="CANNOT")
    parsed = [parse_flags(s.flags) for s in stored]
    store = lock_store(mailbox.account_id)
    target = lock_mailbox(mailbox.pk)
    require_selectable(target)
    quota_check(
        account_id=target.account_id,
        add_bytes=sum(s.fields.size for s in stored),
        add_messages=len(stored),
    )
    registry = register_keywords(store, (kw for p in parsed for kw in p.keywords))
    # With the store row locked, the account's current key pair cannot change under us.
    seals = sealing.seals_under_lock(target.account_id, [s.seal for s in stored])
    arrival = unix_seconds()
    with pipelined():  # one round trip for the contents and the messages
        email_ids = contents_insert(
            [
                NewContent(
                    account_id=target.account_id, blob_key=s.blob_key, fields=s.fields, seal=seal
                )
                for s, seal in zip(stored, seals, strict=True)
            ]
        )
        uids = messages_insert(
            target,
            [
                NewMessage(
                    flags=p.system,
                    keywords=keyword_mask(registry, p.keywords),
                    internal_date=unix_seconds(s.internal_date) if s.internal_date else arrival,
                    size=s.fields.size,
                    content=email_id,
                )
                for s, p, email_id in zip(stored, parsed, email_ids, strict=True)
            ],
        )
    return AppendResult(uidvalidity=target.uidvalidity, uids=tuple(uids))


def message_deliver(
    *, account: Account, raw: bytes, mailbox_name: str = names.INBOX
) -> AppendResult:
    """Final delivery of `raw` as it is: into `mailbox_name`, or INBOX when that cannot take
    messages (`deliveries_store`); raises what refused it."""
    delivered = delivery_store(DeliveryItem(account_id=account.pk, raw=raw, mailbox=mailbox_name))
    return AppendResult(uidvalidity=delivered.uidvalidity, uids=(delivered.uid,))


def _source_rows(source: Mailbox, uids: UidSet) -> list[tuple[int, int, int, int, int, int]]:
    rows: list[tuple[int, int, int, int, int, int]] = []
    for uid_q in uid_filters(uids):
        rows.extend(
            Message.objects.filter(uid_q, mailbox=source).values_list(
                "uid", "flags", "keywords", "internal_date", "size", "content_id"
            )
        )
    rows.sort()
    return rows


def _copy_into(
    *, source: Mailbox, uids: UidSet, dest: Mailbox, quota: bool
) -> tuple[list[int], list[int]]:
    """Copy rows of `source` into `dest` (both locked); (source uids, dest uids)."""
    require_selectable(dest)
    if source.account_id != dest.account_id:
        raise ValidationFailed("Messages can only be copied within one account.", code="CANNOT")
    rows = _source_rows(source, uids)
    if not rows:
        return [], []
    if quota:
        quota_check(
            account_id=dest.account_id, add_bytes=sum(r[4] for r in rows), add_messages=len(rows)
        )
    dest_uids = messages_insert(dest, [NewMessage(*r[1:]) for r in rows])
    return [r[0] for r in rows], dest_uids


@transaction.atomic
def messages_copy(*, source: Mailbox, uids: UidSet, dest: Mailbox) -> CopyResult:
    """RFC 3501 6.4.7 COPY with RFC 4315 COPYUID data; flags and internal dates are kept.

    Copies share the original's content (and blob, and EMAILID).
    """
    lock_store(dest.account_id)
    locked = lock_mailboxes(*sorted({source.pk, dest.pk}))
    src_uids, dest_uids = _copy_into(
        source=locked[source.pk], uids=uids, dest=locked[dest.pk], quota=True
    )
    return CopyResult(
        uidvalidity=locked[dest.pk].uidvalidity,
        source_uids=tuple(src_uids),
        dest_uids=tuple(dest_uids),
    )


@transaction.atomic
def messages_move(*, source: Mailbox, uids: UidSet, dest: Mailbox) -> CopyResult:
    """RFC 6851 MOVE: a copy and an expunge of the originals in one transaction."""
    if source.pk == dest.pk:
        raise ValidationFailed("Source and destination are the same mailbox.", code="CANNOT")
    lock_store(dest.account_id)
    locked = lock_mailboxes(*sorted({source.pk, dest.pk}))
    src_uids, dest_uids = _copy_into(
        source=locked[source.pk], uids=uids, dest=locked[dest.pk], quota=False
    )
    if src_uids:
        _remove_messages(locked[source.pk], UidSet.of(src_uids), release_contents=False)
    return CopyResult(
        uidvalidity=locked[dest.pk].uidvalidity,
        source_uids=tuple(src_uids),
        dest_uids=tuple(dest_uids),
    )


@transaction.atomic
def messages_expunge(*, mailbox: Mailbox, uids: UidSet | None = None) -> list[int]:
    """RFC 3501 6.4.3 EXPUNGE (all \\Deleted), RFC 4315 UID EXPUNGE (those among `uids`).

    Expunged UIDs leave tombstones with the expunge's modseq; returns them in order.
    """
    locked = lock_mailbox(mailbox.pk)
    return _remove_messages(
        locked, UidSet.all() if uids is None else uids, only_deleted=True, release_contents=True
    )


def _remove_messages(
    mailbox: Mailbox, uids: UidSet, *, only_deleted: bool = False, release_contents: bool
) -> list[int]:
    """Delete messages of a locked mailbox, leave tombstones, update counters; the UIDs."""
    selections = [Message.objects.filter(uid_q, mailbox=mailbox) for uid_q in uid_filters(uids)]
    if only_deleted:
        is_deleted: Exact[int] = Exact(F("flags").bitand(DELETED), DELETED)
        selections = [selected.filter(is_deleted) for selected in selections]
    rows: list[tuple[int, int, int, int]] = []
    for selected in selections:
        rows.extend(selected.values_list("uid", "flags", "size", "content_id"))
    if not rows:
        return []
    rows.sort()
    removed = [r[0] for r in rows]
    modseq = mailbox.highest_modseq + 1
    for selected in selections:
        selected.delete()
    Tombstone.objects.bulk_create(
        [Tombstone(mailbox=mailbox, uid=uid, modseq=modseq) for uid in removed],
        batch_size=BATCH,
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(
        highest_modseq=modseq,
        message_count=F("message_count") - len(rows),
        unseen_count=F("unseen_count") - sum(1 for r in rows if not r[1] & SEEN),
        deleted_count=F("deleted_count") - sum(1 for r in rows if r[1] & DELETED),
        recent_count=F("recent_count") - sum(1 for r in rows if r[0] >= mailbox.first_recent_uid),
        total_size=F("total_size") - sum(r[2] for r in rows),
    )
    mailbox.highest_modseq = modseq
    if release_contents:
        contents_release(account_id=mailbox.account_id, content_ids={r[3] for r in rows})
    publish(mailbox, modseq, ChangeKind.EXPUNGE)
    return removed
