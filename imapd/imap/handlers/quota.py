"""QUOTA (RFC 9208): one quota root per account, named `user/<address>`; SETQUOTA is for
accounts with the admin role. And the RFC 4314 ACL commands, not offered yet: MYRIGHTS
answers for the account's own mailboxes (all rights), the others are refused. This is the seam
where shared mailboxes will plug in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.commands import (
    DeleteAclCommand,
    GetAclCommand,
    GetQuotaCommand,
    GetQuotaRootCommand,
    ListRightsCommand,
    MyRightsCommand,
    SetAclCommand,
    SetQuotaCommand,
)
from imapd.imap.reply import Reply, no, ok
from imapd.store.dto import QuotaRoot

if TYPE_CHECKING:
    from imapd.imap.session import Session

# RFC 4314 rights of a mailbox's owner.
OWNER_RIGHTS = "lrswipkxtecda"


def _quota_line(root: QuotaRoot) -> bytes:
    """Resources without a limit are left out (RFC 9208 5.1 lists limits)."""
    return responses.quota_response(
        root.name,
        [(r.name, r.usage, r.limit) for r in root.resources if r.limit is not None],
    )


async def getquotaroot(session: Session, command: GetQuotaRootCommand) -> Reply:
    """RFC 9208 4.3.2."""
    root = await session.require_backend().quota_of_mailbox(command.mailbox)
    session.send(responses.quotaroot_response(command.mailbox, [root.name]))
    session.send(_quota_line(root))
    return ok("Getquotaroot completed.")


async def getquota(session: Session, command: GetQuotaCommand) -> Reply:
    """RFC 9208 4.3.1."""
    session.send(_quota_line(await session.require_backend().quota(command.root)))
    return ok("Getquota completed.")


async def setquota(session: Session, command: SetQuotaCommand) -> Reply:
    """RFC 9208 4.3.3: administrators only; STORAGE can be set (in KiB), or removed."""
    root = await session.require_backend().set_quota(command.root, command.limits)
    session.send(_quota_line(root))
    return ok("Setquota completed.")


async def myrights(session: Session, command: MyRightsCommand) -> Reply:
    """RFC 4314 3.5: the owner has every right on their own mailboxes."""
    await session.require_backend().status(command.mailbox)
    session.send(responses.myrights_response(command.mailbox, OWNER_RIGHTS))
    return ok("Myrights completed.")


async def acl_not_supported(
    session: Session,
    command: SetAclCommand | DeleteAclCommand | GetAclCommand | ListRightsCommand,
) -> Reply:
    return no("Access control lists are not supported yet.", responses.CANNOT)
