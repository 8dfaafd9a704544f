"""The message store: mailboxes, messages, their shared contents, tombstones, subscriptions.

Shaped for the IMAP server's hot paths on large mailboxes:
- flags are integer bitmasks (`Message.flags` for the system flags, `Message.keywords` for the
  account's keywords, see `imapd.store.flags`) so `STORE 1:* +FLAGS` is one UPDATE and
  `SEARCH UNSEEN` one query over the (mailbox, uid) index;
- a mailbox row carries its counters, so STATUS reads one row;
- what IMAP needs of a message's bytes (envelope, body structure, search fields) lives on
  `MessageContent`, computed once at delivery and shared by every copy of the message, so
  listing UIDs and flags never loads it and COPY never duplicates it.
Every write goes through `imapd.store.services`; nothing here holds business rules.
"""

from __future__ import annotations

from django.db import models

from accounts.models import Account
from imapd.crypto.models import AccountEncryption, AccountKeyPair  # noqa: F401 (encryption at rest)
from imapd.smtp.models import OutboundMessage  # noqa: F401  (registers the outbound queue)


class AccountStore(models.Model):
    """Per-account store state, and the row that serializes quota-relevant writes.

    `last_uidvalidity` guarantees a mailbox name reused after DELETE gets a new UIDVALIDITY
    even within the same second; `keywords` maps keyword names to bit positions of
    `Message.keywords` for every mailbox of the account, so COPY/MOVE keep bits unchanged.
    """

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="mail_store"
    )
    last_uidvalidity = models.PositiveBigIntegerField(default=0)
    keywords = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"store of account {self.account_id}"


class SpecialUse(models.TextChoices):
    """RFC 6154 special-use attributes."""

    ALL = "\\All", "\\All"
    ARCHIVE = "\\Archive", "\\Archive"
    DRAFTS = "\\Drafts", "\\Drafts"
    FLAGGED = "\\Flagged", "\\Flagged"
    JUNK = "\\Junk", "\\Junk"
    SENT = "\\Sent", "\\Sent"
    TRASH = "\\Trash", "\\Trash"


class Mailbox(models.Model):
    """A mailbox, named by its full path with `/` as the hierarchy separator.

    A `noselect` row is a placeholder kept for the hierarchy (RFC 3501 DELETE of a mailbox with
    inferiors): it holds no messages and disappears with its last child.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mailboxes")
    name = models.CharField(max_length=512)
    # RFC 8474 MAILBOXID: never reused, kept across RENAME.
    object_id = models.CharField(max_length=32, unique=True)
    special_use = models.CharField(max_length=16, choices=SpecialUse.choices, blank=True)
    noselect = models.BooleanField(default=False)
    uidvalidity = models.PositiveBigIntegerField()
    uidnext = models.PositiveBigIntegerField(default=1)
    highest_modseq = models.PositiveBigIntegerField(default=1)
    # Messages with uid >= first_recent_uid are \Recent until a session claims them.
    first_recent_uid = models.PositiveBigIntegerField(default=1)
    message_count = models.PositiveIntegerField(default=0)
    unseen_count = models.PositiveIntegerField(default=0)
    deleted_count = models.PositiveIntegerField(default=0)
    recent_count = models.PositiveIntegerField(default=0)
    total_size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "name"]
        verbose_name_plural = "mailboxes"
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="mailbox_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class MailboxAcl(models.Model):
    """One RFC 4314 access control entry: the rights `identifier` holds on another account's
    mailbox. The identifier is an address or `anyone`; a leading `-` makes the rights negative
    (taken away). The owner's own rights are implicit and never stored."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="acl_entries")
    identifier = models.CharField(max_length=321)
    rights = models.CharField(max_length=32)

    class Meta:
        ordering = ["mailbox_id", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "identifier"], name="mailbox_acl_identifier_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.rights}"


class Subscription(models.Model):
    """A subscribed name; RFC 3501 lets it name a mailbox that does not (or no longer) exist."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="mailbox_subscriptions"
    )
    name = models.CharField(max_length=512)

    class Meta:
        ordering = ["account_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="subscription_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class MessageContent(models.Model):
    """The bytes of a message (by blob key) and what was computed from them at delivery.

    Shared by every copy of the message in the account; deleted, with its blob, when the last
    message referring to it goes. `*_search` columns are casefolded for substring SEARCH.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    blob_key = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # RFC 8474 EMAILID / THREADID; every copy shares the content and therefore its EMAILID.
    email_id = models.CharField(max_length=32, unique=True)
    thread_id = models.CharField(max_length=32, blank=True, db_index=True)
    message_id = models.TextField(blank=True)
    # The Date: header as an instant (SORT DATE) and as its own calendar day (SENTON etc.
    # disregard time and timezone, RFC 3501 6.4.4).
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_date = models.DateField(null=True, blank=True)
    subject_search = models.TextField(blank=True)
    from_search = models.TextField(blank=True)
    to_search = models.TextField(blank=True)
    cc_search = models.TextField(blank=True)
    bcc_search = models.TextField(blank=True)
    # `imapd.mime.MessageSummary` in three compact JSON texts, so FETCH ENVELOPE decodes only
    # the envelope and FETCH BODYSTRUCTURE only the structure; last, so narrower reads skip
    # them. Plain text rather than JSONField: the IMAP server decodes only what it sends.
    envelope = models.TextField()
    structure = models.TextField(help_text='JSON {"body": ..., "bodystructure": ...}')
    header_fields = models.TextField(help_text="JSON of the summary's remaining fields")
    # Encryption at rest (imapd.crypto): the key pair this content's own key is wrapped to,
    # and that wrapped key. Null for a content stored in clear; when set, the blob and the
    # three JSON texts above are AES-GCM ciphertext and the *_search texts are empty.
    key_pair = models.ForeignKey(
        "imapd.AccountKeyPair", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sealed_key = models.BinaryField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email_id


class Message(models.Model):
    """One message in one mailbox: its UID, flags and modseq; the rest is on its content."""

    # Indexed by the (mailbox, uid) constraint, whose first column it is.
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    uid = models.PositiveBigIntegerField()
    modseq = models.PositiveBigIntegerField()
    flags = models.PositiveSmallIntegerField(default=0)
    keywords = models.BigIntegerField(default=0)
    # INTERNALDATE in Unix seconds: FETCH 1:* INTERNALDATE on a large mailbox would spend
    # most of its time parsing datetime strings on SQLite.
    internal_date = models.BigIntegerField()
    size = models.PositiveIntegerField()
    # The database's foreign key still guards the reference; DO_NOTHING keeps Django from
    # loading rows to emulate cascades, so a mailbox's messages go in one DELETE.
    content = models.ForeignKey(MessageContent, on_delete=models.DO_NOTHING, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uid"], name="message_uid_unique"),
        ]
        indexes = [
            models.Index(fields=["mailbox", "modseq"], name="message_modseq_idx"),
            # Covers SEARCH on flags (UNSEEN, DELETED, FLAGGED...) without reading the rows.
            models.Index(fields=["mailbox", "flags", "uid"], name="message_flags_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.uid}"


class Tombstone(models.Model):
    """An expunged UID and the modseq of its expunge, for QRESYNC's VANISHED."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="+", db_index=False)
    uid = models.PositiveBigIntegerField()
    modseq = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uid"], name="tombstone_uid_unique"),
        ]
        indexes = [models.Index(fields=["mailbox", "modseq"], name="tombstone_modseq_idx")]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.uid} (expunged)"
