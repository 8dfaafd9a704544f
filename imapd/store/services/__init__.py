"""The only write path of the message store.

Every change runs in one transaction that first locks what it allocates from: the account's
`AccountStore` row (UIDVALIDITY, keywords, quota) and then the mailbox rows (UIDs, modseqs,
counters), always in that order and mailboxes by id, so writers in several processes never
deadlock, reuse or reorder a UID. On SQLite the settings' IMMEDIATE transactions serialize
writers instead. Bulk work is a handful of statements whatever the number of messages.

Each committed change is published to `notifier` after commit; message bytes go through
`blobs`, written and fsynced before the rows that point at them are committed and removed only
after the rows that pointed at them are gone.

Errors carry RFC 5530 response codes (`ALREADYEXISTS`, `NONEXISTENT`, `OVERQUOTA`, ...) in
`code`, which the IMAP server passes on.
"""

from __future__ import annotations

from imapd.store.services.flag_store import StoreMode, flags_store
from imapd.store.services.housekeeping import account_store_delete, orphan_blobs_delete
from imapd.store.services.mailboxes import (
    DEFAULT_MAILBOXES,
    MAX_MAILBOXES_PER_ACCOUNT,
    mailbox_claim_recent,
    mailbox_create,
    mailbox_delete,
    mailbox_rename,
    mailbox_subscribe,
    mailbox_unsubscribe,
    mailboxes_create_defaults,
)
from imapd.store.services.messages import (
    StoredMessage,
    message_deliver,
    messages_append,
    messages_copy,
    messages_expunge,
    messages_import,
    messages_move,
)

__all__ = [
    "DEFAULT_MAILBOXES",
    "MAX_MAILBOXES_PER_ACCOUNT",
    "StoreMode",
    "StoredMessage",
    "account_store_delete",
    "flags_store",
    "mailbox_claim_recent",
    "mailbox_create",
    "mailbox_delete",
    "mailbox_rename",
    "mailbox_subscribe",
    "mailbox_unsubscribe",
    "mailboxes_create_defaults",
    "message_deliver",
    "messages_append",
    "messages_copy",
    "messages_expunge",
    "messages_import",
    "messages_move",
    "orphan_blobs_delete",
]
