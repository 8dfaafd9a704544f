"""Mailbox commands of the authenticated state (RFC 3501 6.3): CREATE (RFC 6154 USE),
DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, NAMESPACE (RFC 2342), STATUS (RFC 7162 HIGHESTMODSEQ,
RFC 8438 SIZE, RFC 8474 MAILBOXID), APPEND (RFC 3502 MULTIAPPEND, RFC 4315 APPENDUID,
RFC 3516 literal8). LIST and LSUB are in `listing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.commands import (
    AppendCommand,
    CreateCommand,
    DeleteCommand,
    NamespaceCommand,
    RenameCommand,
    StatusCommand,
    SubscribeCommand,
    UnsubscribeCommand,
)
from imapd.imap.mailbox_names import is_inbox
from imapd.imap.reply import Reply, no, ok
from imapd.store import names
from imapd.store.dto import AppendItem, MailboxStatus

if TYPE_CHECKING:
    from imapd.imap.session import Session


def _same_mailbox(session: Session, name: str) -> bool:
    selected = session.selected
    if selected is None:
        return False
    if is_inbox(name):
        return selected.name == names.INBOX
    return selected.name == name


async def create(session: Session, command: CreateCommand) -> Reply:
    """RFC 3501 6.3.3 / RFC 6154 3: one special-use attribute per mailbox."""
    if len(command.special_use) > 1:
        return no("Only one special-use attribute per mailbox.", responses.USEATTR)
    special_use = command.special_use[0] if command.special_use else None
    object_id = await session.require_backend().create(command.mailbox, special_use)
    return ok("Create completed.", responses.mailboxid_code(object_id))


async def delete(session: Session, command: DeleteCommand) -> Reply:
    """RFC 3501 6.3.4. Deleting the selected mailbox first leaves it (quietly)."""
    await session.require_backend().delete(command.mailbox)
    if _same_mailbox(session, command.mailbox):
        session.select(None)
    return ok("Delete completed.")


async def rename(session: Session, command: RenameCommand) -> Reply:
    """RFC 3501 6.3.5."""
    await session.require_backend().rename(command.mailbox, command.new_name)
    selected = session.selected
    # Renaming INBOX moves its messages away; the selected INBOX stays INBOX.
    renamed = selected is not None and _same_mailbox(session, command.mailbox)
    if renamed and selected is not None and selected.name != names.INBOX:
        selected.name = command.new_name
    return ok("Rename completed.")


async def subscribe(session: Session, command: SubscribeCommand) -> Reply:
    """RFC 3501 6.3.6."""
    await session.require_backend().subscribe(command.mailbox)
    return ok("Subscribe completed.")


async def unsubscribe(session: Session, command: UnsubscribeCommand) -> Reply:
    """RFC 3501 6.3.7."""
    await session.require_backend().unsubscribe(command.mailbox)
    return ok("Unsubscribe completed.")


async def namespace(session: Session, command: NamespaceCommand) -> Reply:
    """RFC 2342: the personal namespace, and other users' mailboxes (shared with the session,
    or all of them for an admin) under `user/`."""
    other_users = [(names.SHARED_PREFIX + names.SEPARATOR, names.SEPARATOR)]
    session.send(responses.namespace_response([("", names.SEPARATOR)], other_users, None))
    return ok("Namespace completed.")


def status_items(status: MailboxStatus, items: tuple[str, ...]) -> list[tuple[str, int | str]]:
    values: dict[str, int | str] = {
        "MESSAGES": status.messages,
        "RECENT": status.recent,
        "UIDNEXT": status.uidnext,
        "UIDVALIDITY": status.uidvalidity,
        "UNSEEN": status.unseen,
        "SIZE": status.size,
        "HIGHESTMODSEQ": status.highest_modseq,
        "MAILBOXID": status.object_id,
        "DELETED": status.deleted,
    }
    return [(item, values[item]) for item in items]


async def status(session: Session, command: StatusCommand) -> Reply:
    """RFC 3501 6.3.10: one row read, the mailbox's counters."""
    found = await session.require_backend().status(command.mailbox)
    if found.noselect:
        return no(f"Mailbox isn't selectable: {command.mailbox}", responses.CANNOT)
    if "HIGHESTMODSEQ" in command.items:
        session.enable_condstore()
    session.send(responses.status_response(found.name, status_items(found, command.items)))
    return ok("Status completed.")


async def append(session: Session, command: AppendCommand) -> Reply:
    """RFC 3501 6.3.11; all messages of a MULTIAPPEND or none (RFC 3502)."""
    items = [
        AppendItem(raw=message.content, flags=message.flags, internal_date=message.internal_date)
        for message in command.messages
    ]
    result = await session.require_backend().append(command.mailbox, items)
    return ok("Append completed.", responses.appenduid_code(result.uidvalidity, result.uids))
