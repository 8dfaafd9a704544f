"""Access control lists (RFC 4314; RFC 2086's `c` and `d` accepted): SETACL, DELETEACL, GETACL,
LISTRIGHTS, MYRIGHTS. The rights are checked in the backend (`admin_namespace`, `store.acl`).

SETACL and DELETEACL answer with the tagged line only: IMAP::Admin reads exactly one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.commands import (
    DeleteAclCommand,
    GetAclCommand,
    ListRightsCommand,
    MyRightsCommand,
    SetAclCommand,
)
from imapd.imap.reply import Reply, ok

if TYPE_CHECKING:
    from imapd.imap.session import Session


async def setacl(session: Session, command: SetAclCommand) -> Reply:
    """RFC 4314 3.1 (needs `a`)."""
    await session.require_backend().set_acl(
        command.mailbox, command.identifier, command.rights, command.mode
    )
    return ok("Setacl completed.")


async def deleteacl(session: Session, command: DeleteAclCommand) -> Reply:
    """RFC 4314 3.2 (needs `a`)."""
    await session.require_backend().delete_acl(command.mailbox, command.identifier)
    return ok("Deleteacl completed.")


async def getacl(session: Session, command: GetAclCommand) -> Reply:
    """RFC 4314 3.3 (needs `a`): always one `* ACL` line, the owner's entry included."""
    entries = await session.require_backend().get_acl(command.mailbox)
    session.send(responses.acl_response(command.mailbox, entries))
    return ok("Getacl completed.")


async def listrights(session: Session, command: ListRightsCommand) -> Reply:
    """RFC 4314 3.4."""
    required, optional = await session.require_backend().list_rights(
        command.mailbox, command.identifier
    )
    session.send(
        responses.listrights_response(command.mailbox, command.identifier, required, optional)
    )
    return ok("Listrights completed.")


async def myrights(session: Session, command: MyRightsCommand) -> Reply:
    """RFC 4314 3.5."""
    rights = await session.require_backend().my_rights(command.mailbox)
    session.send(responses.myrights_response(command.mailbox, rights))
    return ok("Myrights completed.")
