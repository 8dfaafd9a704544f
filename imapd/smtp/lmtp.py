"""LMTP (RFC 2033) for the MTA in front (Postfix's `virtual_transport = lmtp:...`).

Recipients are checked at RCPT (550 5.1.1 unknown, 550 5.2.1 disabled or expired); after DATA
each accepted recipient gets its own reply, `250` only once its copy is stored (blob fsynced,
rows committed), else 552 5.2.2 / 452 4.2.2 over quota, 552 5.3.4 too big, 451 4.3.0 when the
store is unavailable (the MTA retries that recipient alone).
"""

from __future__ import annotations

from functools import partial

from aiosmtpd.smtp import Session, syntax

from imapd.smtp import replies
from imapd.smtp.delivery import EnvelopeDelivery, RecipientCheck
from imapd.smtp.delivery_worker import worker
from imapd.smtp.protocol import MailEnvelope, MailHandler, MailServer
from imapd.smtp.recipient_cache import recipients


class LmtpServer(MailServer):
    """RFC 2033: LHLO instead of HELO/EHLO, and per-recipient replies after DATA."""

    keyword = "LMTP"

    @syntax("LHLO hostname")
    async def smtp_LHLO(self, arg: str) -> None:
        """RFC 2033 4.1 LHLO: EHLO's answer under LMTP's name."""
        await super().smtp_EHLO(arg)

    async def smtp_HELO(self, hostname: str) -> None:
        await self.push('500 5.5.1 Error: command "HELO" not recognized, use LHLO')

    async def smtp_EHLO(self, hostname: str) -> None:
        await self.push('500 5.5.1 Error: command "EHLO" not recognized, use LHLO')

    async def check_helo_needed(self, helo: str = "LHLO") -> bool:
        return await super().check_helo_needed("LHLO")


class LmtpHandler(MailHandler):
    async def recipient(self, server: MailServer, session: Session, address: str) -> RecipientCheck:
        check = await recipients.check(address)
        if not check.is_local_domain:  # LMTP is final delivery: it never relays
            return RecipientCheck(address, replies.UNKNOWN_USER, is_local_domain=False)
        return check

    async def message_replies(
        self, server: MailServer, envelope: MailEnvelope, content: bytes | None
    ) -> list[str]:
        """RFC 2033 4.2: one reply per accepted recipient, in RCPT order."""
        if content is None:
            return [str(replies.TOO_BIG)] * len(envelope.checks)
        outcomes = await worker.deliver(
            partial(
                EnvelopeDelivery.plan,
                raw=content,
                arrival=server.arrival(envelope),
                recipients=envelope.checks,
            )
        )
        return [str(outcome.reply) for outcome in outcomes]
