"""Mailbox services: CREATE, DELETE, RENAME (RFC 3501 6.3), subscriptions, defaults, \\Recent."""

from __future__ import annotations

from typing import Final

from django.db import transaction

from accounts.models import Account
from imapd.models import AccountStore, Mailbox, Message, SpecialUse, Subscription, Tombstone
from imapd.store import names
from imapd.store.notifier import ChangeKind
from imapd.store.services._common import (
    BATCH,
    contents_release,
    lock_mailbox,
    lock_store,
    new_object_id,
    publish,
    uidvalidity_next,
)
from mailplatform.errors import Conflict, LimitExceeded, ValidationFailed

DEFAULT_MAILBOXES: Final[tuple[tuple[str, str], ...]] = (
    (names.INBOX, ""),
    ("Drafts", SpecialUse.DRAFTS),
    ("Sent", SpecialUse.SENT),
    ("Trash", SpecialUse.TRASH),
    ("Junk", SpecialUse.JUNK),
    ("Archive", SpecialUse.ARCHIVE),
)

MAX_MAILBOXES_PER_ACCOUNT: Final = 10_000


def _insert_mailbox(
    *,
    account_id: int,
    store: AccountStore,
    name: str,
    special_use: str = "",
    noselect: bool = False,
) -> Mailbox:
    return Mailbox.objects.create(
        account_id=account_id,
        name=name,
        object_id=new_object_id("F"),
        special_use=special_use,
        noselect=noselect,
        uidvalidity=0 if noselect else uidvalidity_next(store),
    )


def _names_of(account_id: int) -> dict[str, Mailbox]:
    return {mb.name: mb for mb in Mailbox.objects.filter(account_id=account_id)}


def _create_missing_ancestors(
    *, account_id: int, store: AccountStore, name: str, existing: dict[str, Mailbox]
) -> list[Mailbox]:
    """RFC 3501 CREATE/RENAME: superior names that do not exist yet become mailboxes."""
    created = []
    for ancestor in names.ancestors(name):
        if ancestor not in existing:
            mailbox = _insert_mailbox(account_id=account_id, store=store, name=ancestor)
            existing[ancestor] = mailbox
            created.append(mailbox)
    return created


def _validate_special_use(special_use: str | None) -> str:
    if not special_use:
        return ""
    if special_use not in SpecialUse.values:
        raise ValidationFailed(
            f"Unknown special-use attribute {special_use}.", field="special_use", code="USEATTR"
        )
    return special_use


@transaction.atomic
def mailbox_create(*, account: Account, name: str, special_use: str | None = None) -> Mailbox:
    """RFC 3501 6.3.3 CREATE (RFC 6154 CREATE-SPECIAL-USE): superiors are created as needed.

    A trailing separator only declares the intent to create inferiors and is dropped. Creating
    the name of a \\Noselect placeholder turns it into a real mailbox.
    """
    if name.endswith(names.SEPARATOR) and len(name) > 1:
        name = name[:-1]
    name = names.mailbox_name_normalize(name)
    use = _validate_special_use(special_use)
    store = lock_store(account.pk)
    existing = _names_of(account.pk)
    current = existing.get(name)
    if current is not None and not current.noselect:
        raise Conflict(f"Mailbox {name} already exists.", field="name", code="ALREADYEXISTS")
    if current is None and len(existing) >= MAX_MAILBOXES_PER_ACCOUNT:
        raise LimitExceeded(
            f"An account may have at most {MAX_MAILBOXES_PER_ACCOUNT} mailboxes.", code="LIMIT"
        )
    created = _create_missing_ancestors(
        account_id=account.pk, store=store, name=name, existing=existing
    )
    if current is None:
        mailbox = _insert_mailbox(account_id=account.pk, store=store, name=name, special_use=use)
    else:
        # No session ever selected a placeholder row, so it can become the mailbox in place.
        mailbox = current
        mailbox.noselect = False
        mailbox.special_use = use
        mailbox.uidvalidity = uidvalidity_next(store)
        mailbox.object_id = new_object_id("F")
        mailbox.save(update_fields=["noselect", "special_use", "uidvalidity", "object_id"])
    for each in (*created, mailbox):
        publish(each, each.highest_modseq, ChangeKind.MAILBOX)
    return mailbox


@transaction.atomic
def mailboxes_create_defaults(*, account: Account) -> list[Mailbox]:
    """INBOX, Drafts, Sent, Trash, Junk and Archive with their special-use, all subscribed.

    Idempotent: mailboxes that exist are left alone, so it also repairs an older account.
    """
    store = lock_store(account.pk)
    existing = _names_of(account.pk)
    created = []
    for name, use in DEFAULT_MAILBOXES:
        if name not in existing:
            mailbox = _insert_mailbox(
                account_id=account.pk, store=store, name=name, special_use=use
            )
            existing[name] = mailbox
            created.append(mailbox)
            Subscription.objects.get_or_create(account_id=account.pk, name=name)
            publish(mailbox, mailbox.highest_modseq, ChangeKind.MAILBOX)
    return created


def _drop_mailbox_rows(mailbox: Mailbox) -> None:
    """Delete a mailbox with its messages and tombstones; release contents no longer used."""
    content_ids = set(
        Message.objects.filter(mailbox=mailbox).values_list("content_id", flat=True).distinct()
    )
    Message.objects.filter(mailbox=mailbox).delete()
    Tombstone.objects.filter(mailbox=mailbox).delete()
    Mailbox.objects.filter(pk=mailbox.pk).delete()
    contents_release(account_id=mailbox.account_id, content_ids=content_ids)


def _prune_placeholders(*, account_id: int, name: str) -> None:
    """Remove \\Noselect superiors of `name` left without any inferior, innermost first."""
    existing = _names_of(account_id)
    for ancestor in reversed(names.ancestors(name)):
        placeholder = existing.get(ancestor)
        if placeholder is None or not placeholder.noselect:
            return
        if any(names.is_inferior(other, ancestor) for other in existing):
            return
        Mailbox.objects.filter(pk=placeholder.pk).delete()
        del existing[ancestor]
        publish(placeholder, placeholder.highest_modseq, ChangeKind.MAILBOX)


@transaction.atomic
def mailbox_delete(*, mailbox: Mailbox) -> None:
    """RFC 3501 6.3.4 DELETE.

    INBOX cannot be deleted. A mailbox with inferiors loses its messages and stays as a
    \\Noselect placeholder (a new row, so no session stays attached to it); deleting a
    placeholder that still has inferiors is refused. Subscriptions are kept.
    """
    store = lock_store(mailbox.account_id)
    locked = lock_mailbox(mailbox.pk)
    if locked.name == names.INBOX:
        raise ValidationFailed("INBOX cannot be deleted.", code="CANNOT")
    has_children = any(
        names.is_inferior(other, locked.name) for other in _names_of(locked.account_id)
    )
    if has_children and locked.noselect:
        raise ValidationFailed(
            f"{locked.name} has inferior mailboxes and holds no messages.", code="HASCHILDREN"
        )
    _drop_mailbox_rows(locked)
    publish(locked, locked.highest_modseq + 1, ChangeKind.MAILBOX)
    if has_children:
        _insert_mailbox(account_id=locked.account_id, store=store, name=locked.name, noselect=True)
    else:
        _prune_placeholders(account_id=locked.account_id, name=locked.name)


@transaction.atomic
def mailbox_rename(*, mailbox: Mailbox, new_name: str) -> Mailbox:
    """RFC 3501 6.3.5 RENAME: inferiors follow, missing superiors are created.

    The mailbox keeps its UIDVALIDITY, UIDs and MAILBOXID. Renaming INBOX instead moves all
    its messages into a new mailbox of that name and leaves INBOX empty (its inferiors stay).
    Subscriptions of the renamed names follow them.
    """
    new = names.mailbox_name_normalize(new_name, field="new_name")
    store = lock_store(mailbox.account_id)
    existing = _names_of(mailbox.account_id)
    if new in existing:
        raise Conflict(f"Mailbox {new} already exists.", field="new_name", code="ALREADYEXISTS")
    old = lock_mailbox(mailbox.pk).name
    if old == names.INBOX:
        return _inbox_rename(store=store, new=new, existing=existing)
    if names.is_inferior(new, old):
        raise ValidationFailed(
            f"{old} cannot be moved inside itself.", field="new_name", code="CANNOT"
        )
    moving = {
        name: mb for name, mb in existing.items() if name == old or names.is_inferior(name, old)
    }
    renames = {name: new + name[len(old) :] for name in moving}
    for target in renames.values():
        names.mailbox_name_normalize(target, field="new_name")
    _create_missing_ancestors(
        account_id=mailbox.account_id, store=store, name=new, existing=existing
    )
    for name, mb in moving.items():
        Mailbox.objects.filter(pk=mb.pk).update(name=renames[name])
        publish(mb, mb.highest_modseq, ChangeKind.MAILBOX)
    subscriptions = Subscription.objects.filter(account_id=mailbox.account_id)
    subscribed = set(subscriptions.values_list("name", flat=True))
    for old_name, new_name in renames.items():
        if old_name in subscribed and new_name not in subscribed:
            subscriptions.filter(name=old_name).update(name=new_name)
    _prune_placeholders(account_id=mailbox.account_id, name=old)
    return Mailbox.objects.get(pk=mailbox.pk)


def _inbox_rename(*, store: AccountStore, new: str, existing: dict[str, Mailbox]) -> Mailbox:
    inbox = lock_mailbox(existing[names.INBOX].pk)
    _create_missing_ancestors(account_id=inbox.account_id, store=store, name=new, existing=existing)
    target = Mailbox.objects.create(
        account_id=inbox.account_id,
        name=new,
        object_id=new_object_id("F"),
        uidvalidity=uidvalidity_next(store),
        uidnext=inbox.uidnext,
        highest_modseq=inbox.highest_modseq,
        first_recent_uid=inbox.first_recent_uid,
        message_count=inbox.message_count,
        unseen_count=inbox.unseen_count,
        deleted_count=inbox.deleted_count,
        recent_count=inbox.recent_count,
        total_size=inbox.total_size,
    )
    modseq = inbox.highest_modseq + 1
    moved_uids = list(Message.objects.filter(mailbox=inbox).values_list("uid", flat=True))
    Message.objects.filter(mailbox=inbox).update(mailbox=target)
    Tombstone.objects.bulk_create(
        [Tombstone(mailbox=inbox, uid=uid, modseq=modseq) for uid in moved_uids],
        batch_size=BATCH,
    )
    Mailbox.objects.filter(pk=inbox.pk).update(
        highest_modseq=modseq,
        message_count=0,
        unseen_count=0,
        deleted_count=0,
        recent_count=0,
        total_size=0,
    )
    publish(inbox, modseq, ChangeKind.EXPUNGE)
    publish(target, target.highest_modseq, ChangeKind.MAILBOX)
    return target


@transaction.atomic
def mailbox_subscribe(*, account: Account, name: str) -> None:
    """RFC 3501 6.3.6 SUBSCRIBE: the name need not exist (now or later)."""
    name = names.mailbox_name_normalize(name, shared_ok=True)
    Subscription.objects.get_or_create(account=account, name=name)


@transaction.atomic
def mailbox_unsubscribe(*, account: Account, name: str) -> bool:
    """RFC 3501 6.3.7 UNSUBSCRIBE; whether the name was subscribed."""
    name = names.mailbox_name_normalize(name, shared_ok=True)
    deleted, _ = Subscription.objects.filter(account=account, name=name).delete()
    return deleted > 0


@transaction.atomic
def mailbox_claim_recent(*, mailbox: Mailbox) -> int:
    """Claim the \\Recent messages for one session (RFC 3501 2.3.2): returns the first UID that
    is recent to the caller; to every later session those messages are no longer recent."""
    locked = lock_mailbox(mailbox.pk)
    Mailbox.objects.filter(pk=locked.pk).update(first_recent_uid=locked.uidnext, recent_count=0)
    return locked.first_recent_uid
