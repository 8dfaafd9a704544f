"""Inbound SMTP (port 25, off unless SMTP_PORT is set): mail for the local domains only.

It never relays: a recipient outside the local domains is refused at RCPT (550 5.7.1), with or
without a smarthost configured, and AUTH is not offered. STARTTLS is.
"""

from __future__ import annotations

from aiosmtpd.smtp import Session

from imapd.smtp import replies
from imapd.smtp.delivery import RecipientCheck
from imapd.smtp.protocol import MailServer, SingleReplyHandler
from imapd.smtp.recipient_cache import recipients


class InboundServer(MailServer):
    pass


class InboundHandler(SingleReplyHandler):
    async def recipient(self, server: MailServer, session: Session, address: str) -> RecipientCheck:
        check = await recipients.check(address)
        if not check.is_local_domain:
            return RecipientCheck(address, replies.RELAY_DENIED, is_local_domain=False)
        return check
