"""The rows every path that adds messages writes: contents, messages, mailbox counters.

APPEND, COPY, MOVE, the bulk importers and final delivery (LMTP, submission, `deliver`, the
REST append) all add messages through `contents_insert` and `messages_insert`, so UID
allocation, counters and publishing live in one place.

They are plain SQL through Django's connection rather than `bulk_create`: building an ORM
query costs a few hundred microseconds of Python, several times what SQLite or PostgreSQL
take to run it, and these statements sit on the delivery hot path (see
bench/lmtp_delivery.py); see `mailplatform.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from django.db import connection

from imapd.crypto.sealing import ContentSeal
from imapd.models import Mailbox, Message, MessageContent
from imapd.store.flags import DELETED, SEEN
from imapd.store.notifier import ChangeKind
from imapd.store.queries import chunked
from imapd.store.services._common import allocate, new_object_id, publish
from imapd.store.summary import ContentFields
from mailplatform.sql import column, columns, hot_cursor, pipelined, placeholders, table

# Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters for 17 columns.
_ROWS_PER_INSERT = 500


_CONTENT_FIELDS = (
    "account",
    "blob_key",
    "size",
    "email_id",
    "thread_id",
    "message_id",
    "sent_at",
    "sent_date",
    "subject_search",
    "from_search",
    "to_search",
    "cc_search",
    "bcc_search",
    "envelope",
    "structure",
    "header_fields",
    "key_pair",
    "sealed_key",
)
_MESSAGE_FIELDS = (
    "mailbox",
    "uid",
    "modseq",
    "flags",
    "keywords",
    "internal_date",
    "size",
    "content",
)


@cache
def _content_insert_sql(rows: int) -> str:
    values = f"({placeholders(len(_CONTENT_FIELDS))})"
    return (
        f"INSERT INTO {table(MessageContent)} ({columns(MessageContent, *_CONTENT_FIELDS)}) "  # noqa: S608
        f"VALUES {', '.join([values] * rows)}"
    )


@cache
def _message_insert_sql() -> str:
    # The content is named by its id, or else by its EMAILID (unique, indexed): a content
    # inserted in the same transaction needs no round trip to learn its id.
    content = (
        f"COALESCE(%s, (SELECT {column(MessageContent, 'id')} FROM {table(MessageContent)} "  # noqa: S608
        f"WHERE {column(MessageContent, 'email_id')} = %s))"
    )
    return (
        f"INSERT INTO {table(Message)} ({columns(Message, *_MESSAGE_FIELDS)}) "  # noqa: S608
        f"VALUES ({placeholders(len(_MESSAGE_FIELDS) - 1)}, {content})"
    )


@cache
def _counters_update_sql() -> str:
    def col(name: str) -> str:
        return column(Mailbox, name)

    adds = ("message_count", "unseen_count", "deleted_count", "recent_count", "total_size")
    sets = [f"{col('uidnext')} = %s", f"{col('highest_modseq')} = %s"]
    sets += [f"{col(name)} = {col(name)} + %s" for name in adds]
    return f"UPDATE {table(Mailbox)} SET {', '.join(sets)} WHERE {col('id')} = %s"  # noqa: S608


class NewContent(NamedTuple):
    """A `MessageContent` row to insert: its blob, its analysis and, encrypted, its seal."""

    account_id: int
    blob_key: str
    fields: ContentFields
    seal: ContentSeal | None = None


def contents_insert(contents: Sequence[NewContent]) -> list[str]:
    """Insert content rows, each with a new EMAILID; their EMAILIDs, in order (what
    `NewMessage.content` takes: no result is awaited, so on PostgreSQL the messages' rows
    can follow in the same round trip, `mailplatform.sql.pipelined`)."""
    ops = connection.ops
    email_ids = [new_object_id("M") for _ in contents]
    with hot_cursor() as cursor:
        for chunk in chunked(list(zip(contents, email_ids, strict=True)), _ROWS_PER_INSERT):
            params: list[Any] = []
            for c, email_id in chunk:
                f = c.fields
                params += (
                    c.account_id,
                    c.blob_key,
                    f.size,
                    email_id,
                    "",
                    f.message_id,
                    ops.adapt_datetimefield_value(f.sent_at),
                    ops.adapt_datefield_value(f.sent_date),
                    f.subject_search,
                    f.from_search,
                    f.to_search,
                    f.cc_search,
                    f.bcc_search,
                    f.envelope,
                    f.structure,
                    f.header_fields,
                    c.seal.pair_id if c.seal else None,
                    c.seal.sealed_key if c.seal else None,
                )
            cursor.execute(_content_insert_sql(len(chunk)), params)
    return email_ids


class NewMessage(NamedTuple):
    """A `Message` row to insert; the UID and modseq are allocated by `messages_insert`."""

    flags: int
    keywords: int
    internal_date: int
    size: int
    content: int | str  # a content's id, or the EMAILID `contents_insert` gave a new one


def messages_insert(mailbox: Mailbox, rows: Sequence[NewMessage]) -> list[int]:
    """Insert rows into a locked mailbox with fresh UIDs and one new modseq, update its
    counters in the same transaction, publish the change once committed; the new UIDs."""
    return mailboxes_messages_insert([(mailbox, rows)])[0]


def _content_reference(content: int | str) -> tuple[int | None, str | None]:
    """The (id, EMAILID) parameters of `_message_insert_sql`'s content: one of them."""
    return (None, content) if isinstance(content, str) else (content, None)


def mailboxes_messages_insert(
    groups: Sequence[tuple[Mailbox, Sequence[NewMessage]]],
) -> list[list[int]]:
    """`messages_insert` for several locked mailboxes at once (a group commit's deliveries):
    the rows of all of them in one statement, their counters in another."""
    inserts: list[tuple[int | str | None, ...]] = []
    updates: list[tuple[int, ...]] = []
    allocated: list[tuple[list[int], int]] = []  # each mailbox's UIDs and modseq
    for mailbox, rows in groups:
        uids, modseq = allocate(mailbox, len(rows))
        allocated.append((uids, modseq))
        inserts += [
            (mailbox.pk, uid, modseq, *r[:-1], *_content_reference(r.content))
            for uid, r in zip(uids, rows, strict=True)
        ]
        updates.append(
            (
                uids[-1] + 1,
                modseq,
                len(rows),
                sum(1 for r in rows if not r.flags & SEEN),
                sum(1 for r in rows if r.flags & DELETED),
                len(rows),
                sum(r.size for r in rows),
                mailbox.pk,
            )
        )
    with hot_cursor() as cursor, pipelined():
        cursor.executemany(_message_insert_sql(), inserts)
        cursor.executemany(_counters_update_sql(), updates)
    for (mailbox, _), (uids, modseq) in zip(groups, allocated, strict=True):
        mailbox.uidnext = uids[-1] + 1
        mailbox.highest_modseq = modseq
        publish(mailbox, modseq, ChangeKind.APPEND)
    return [uids for uids, _ in allocated]
