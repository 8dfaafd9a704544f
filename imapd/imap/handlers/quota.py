"""QUOTA (RFC 9208): one quota root per account, named `user/<address>`; SETQUOTA is for
accounts with the admin role. (The ACL commands are in `acl`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.commands import GetQuotaCommand, GetQuotaRootCommand, SetQuotaCommand
from imapd.imap.reply import Reply, ok
from imapd.store.dto import QuotaRoot

if TYPE_CHECKING:
    from imapd.imap.session import Session


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
    """RFC 9208 4.3.3: administrators only; STORAGE can be set (in KiB), or removed. No
    untagged response (RFC 9208 defines none): IMAP::Admin reads exactly one line back."""
    await session.require_backend().set_quota(command.root, command.limits)
    return ok("Setquota completed.")
