"""Reads of the message store, checked against the account asking.

A mailbox that does not exist and one the account may not see raise the same NotFound
(code NONEXISTENT). Message-level reads take the id of a mailbox the session already obtained
through one of those checks (at SELECT). Everything returned is plain data from `dto` (or a
Mailbox row to pass back to a service), built in one query where the IMAP server calls it per
command. These functions are synchronous: the IMAP server runs them in its thread pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet, TextField, Value

from accounts.models import Account
from imapd.crypto import sealing
from imapd.crypto.keyring import Keyring
from imapd.models import AccountStore, Mailbox, Message, Subscription, Tombstone
from imapd.store import blobs, names
from imapd.store.dto import (
    FetchRow,
    FlagRow,
    MailboxEntry,
    MailboxSnapshot,
    MailboxStatus,
    MessageIndex,
    UidSet,
)
from imapd.store.queries import uid_filters
from imapd.store.summary import summary_load
from mailplatform.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from imapd.mime import MessageSummary

_STATUS_FIELDS = (
    "pk",
    "account_id",
    "name",
    "object_id",
    "special_use",
    "noselect",
    "uidvalidity",
    "uidnext",
    "highest_modseq",
    "first_recent_uid",
    "message_count",
    "unseen_count",
    "recent_count",
    "deleted_count",
    "total_size",
)


def _missing(name: str) -> NotFound:
    return NotFound(f"No mailbox {name}.", code="NONEXISTENT")


def _visible_to(account: Account) -> QuerySet[Mailbox]:
    # Shared folders (ACLs) will widen this; every read below goes through it.
    return Mailbox.objects.filter(account_id=account.pk)


def mailbox_get_for_account(*, account: Account, name: str) -> Mailbox:
    try:
        normalized = names.mailbox_name_normalize(name)
    except ValidationFailed:
        raise _missing(name) from None
    mailbox = _visible_to(account).filter(name=normalized).first()
    if mailbox is None:
        raise _missing(name)
    return mailbox


def mailbox_get_by_id(*, account: Account, mailbox_id: int) -> Mailbox:
    mailbox = _visible_to(account).filter(pk=mailbox_id).first()
    if mailbox is None:
        raise _missing(str(mailbox_id))
    return mailbox


def _status(row: tuple[Any, ...]) -> MailboxStatus:
    (pk, account_id, name, object_id, special_use, noselect, uidvalidity, uidnext, modseq,
     first_recent, messages, unseen, recent, deleted, size) = row  # fmt: skip
    return MailboxStatus(
        id=pk,
        account_id=account_id,
        name=name,
        object_id=object_id,
        special_use=special_use,
        noselect=noselect,
        uidvalidity=uidvalidity,
        uidnext=uidnext,
        highest_modseq=modseq,
        first_recent_uid=first_recent,
        messages=messages,
        unseen=unseen,
        recent=recent,
        deleted=deleted,
        size=size,
    )


def mailbox_status(*, account: Account, name: str) -> MailboxStatus:
    """RFC 3501 STATUS (with HIGHESTMODSEQ, SIZE, DELETED, MAILBOXID): one row read."""
    try:
        normalized = names.mailbox_name_normalize(name)
    except ValidationFailed:
        raise _missing(name) from None
    row = _visible_to(account).filter(name=normalized).values_list(*_STATUS_FIELDS).first()
    if row is None:
        raise _missing(name)
    return _status(row)


def mailbox_status_by_id(*, account: Account, mailbox_id: int) -> MailboxStatus:
    row = _visible_to(account).filter(pk=mailbox_id).values_list(*_STATUS_FIELDS).first()
    if row is None:
        raise _missing(str(mailbox_id))
    return _status(row)


def keyword_names(*, account_id: int) -> tuple[str, ...]:
    """The account's keywords; bit i of `Message.keywords` is the i-th name."""
    registry = (
        AccountStore.objects.filter(account_id=account_id)
        .values_list("keywords", flat=True)
        .first()
    )
    return tuple(registry or ())


def message_index(*, mailbox_id: int) -> MessageIndex:
    """UID, flags, keywords and modseq of every message, in UID order: one query."""
    return MessageIndex.from_rows(
        Message.objects.filter(mailbox_id=mailbox_id)
        .order_by("uid")
        .values_list("uid", "flags", "keywords", "modseq")
        .iterator(chunk_size=10_000)
    )


def mailbox_snapshot(*, account: Account, mailbox_id: int) -> MailboxSnapshot:
    """What SELECT/EXAMINE need: status, the message index and the keyword names."""
    status = mailbox_status_by_id(account=account, mailbox_id=mailbox_id)
    if status.noselect:
        raise ValidationFailed(f"{status.name} cannot be selected.", code="CANNOT")
    return MailboxSnapshot(
        status=status,
        index=message_index(mailbox_id=mailbox_id),
        keyword_names=keyword_names(account_id=status.account_id),
    )


def messages_changed_since(*, mailbox_id: int, modseq: int) -> list[FlagRow]:
    """Messages added or whose flags changed after `modseq` (RFC 7162 CHANGEDSINCE), by UID."""
    return [
        FlagRow._make(row)
        for row in Message.objects.filter(mailbox_id=mailbox_id, modseq__gt=modseq)
        .order_by("uid")
        .values_list("uid", "flags", "keywords", "modseq")
    ]


def uids_expunged_since(*, mailbox_id: int, modseq: int) -> list[int]:
    """UIDs expunged after `modseq` (RFC 7162 VANISHED), in order."""
    return list(
        Tombstone.objects.filter(mailbox_id=mailbox_id, modseq__gt=modseq)
        .order_by("uid")
        .values_list("uid", flat=True)
    )


# A constant column in place of a JSON part that was not asked for.
_NOTHING = Value(None, output_field=TextField())
_FETCH_FIELDS = (
    "uid",
    "flags",
    "keywords",
    "modseq",
    "internal_date",
    "size",
    "content__email_id",
    "content__thread_id",
    "content__blob_key",
)


def messages_fetch(
    *,
    mailbox_id: int,
    uids: UidSet,
    envelope: bool = False,
    structure: bool = False,
    keyring: Keyring | None = None,
) -> list[FetchRow]:
    """Per-message FETCH data for `uids` in UID order; the JSON parts only when asked for.

    Encrypted contents (imapd.crypto) have their JSON parts decrypted with `keyring`, the
    session's unlocked keys; without it, asking for them is refused (KeyUnavailable).
    """
    fields = (
        *_FETCH_FIELDS,
        "content__envelope" if envelope else _NOTHING,
        "content__structure" if structure else _NOTHING,
        "content__key_pair_id",
        "content__sealed_key",
    )
    rows: list[FetchRow] = []
    for uid_q in uid_filters(uids):
        query = Message.objects.filter(uid_q, mailbox_id=mailbox_id).order_by("uid")
        rows.extend(map(FetchRow._make, query.values_list(*fields)))
    rows.sort()
    if any(row.key_pair_id is not None for row in rows):
        rows = sealing.fetch_rows_open(rows, keyring)
    return rows


def message_summary(*, mailbox_id: int, uid: int, keyring: Keyring | None = None) -> MessageSummary:
    """Everything `imapd.mime.analyze` said about one message."""
    row = (
        Message.objects.filter(mailbox_id=mailbox_id, uid=uid)
        .values_list(
            "content__envelope",
            "content__structure",
            "content__header_fields",
            "content__key_pair_id",
            "content__sealed_key",
        )
        .first()
    )
    if row is None:
        raise NotFound(f"No message with UID {uid}.", code="NONEXISTENT")
    envelope, structure, header_fields, key_pair_id, sealed_key = row
    if key_pair_id is not None:
        envelope, structure, header_fields = sealing.summary_texts_open(
            key_pair_id=key_pair_id,
            sealed_key=sealed_key,
            keyring=keyring,
            envelope_text=envelope,
            structure=structure,
            header_fields=header_fields,
        )
    return summary_load(envelope=envelope, structure=structure, header_fields=header_fields)


def message_bytes(
    *,
    account_id: int,
    blob_key: str,
    key_pair_id: int | None = None,
    sealed_key: bytes | memoryview | None = None,
    keyring: Keyring | None = None,
) -> bytes:
    """The raw message behind a FetchRow (BODY[], RFC822...), decrypted when its content is
    encrypted (`key_pair_id`, `sealed_key` from the row; `keyring` the session's keys). An
    encrypted blob read without them is refused, never returned as if it were the message."""
    return sealing.blob_open(
        blobs.blob_read(account_id=account_id, key=blob_key),
        key_pair_id=key_pair_id,
        sealed_key=sealed_key,
        keyring=keyring,
    )


def message_bytes_of(*, account_id: int, row: FetchRow, keyring: Keyring | None = None) -> bytes:
    """`message_bytes` for a row of `messages_fetch`."""
    return message_bytes(
        account_id=account_id,
        blob_key=row.blob_key,
        key_pair_id=row.key_pair_id,
        sealed_key=row.sealed_key,
        keyring=keyring,
    )


def subscriptions_list(*, account: Account) -> list[str]:
    return list(Subscription.objects.filter(account=account).values_list("name", flat=True))


def mailboxes_list(*, account: Account) -> list[MailboxEntry]:
    """Every mailbox of the account (placeholders included) with LIST's attributes, by name."""
    rows = list(
        _visible_to(account)
        .order_by("name")
        .values_list("pk", "name", "object_id", "special_use", "noselect")
    )
    subscribed = set(subscriptions_list(account=account))
    parents = {parent for _, name, *_ in rows if (parent := names.parent(name)) is not None}
    return [
        MailboxEntry(
            id=pk,
            name=name,
            object_id=object_id,
            special_use=special_use,
            noselect=noselect,
            has_children=name in parents,
            subscribed=name in subscribed,
        )
        for pk, name, object_id, special_use, noselect in rows
    ]
