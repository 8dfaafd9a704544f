"""SMTP submission (RFC 6409) on 587 with STARTTLS (RFC 3207) and on 465 with implicit TLS
(RFC 8314).

Every transaction needs AUTH (530 5.7.0 before it); AUTH needs TLS unless the client is on
loopback or SMTP_AUTH_ALLOW_PLAINTEXT is set (538 5.7.11). MAIL FROM must be the account's
address or one of its aliases (553 5.7.1), within SUBMISSION_RATE_LIMIT messages a minute
(450 4.7.1). Local recipients go through the one delivery path; others are queued for the
smarthost, or refused at RCPT when none is configured.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiosmtpd.smtp import Session
from django.conf import settings

from imapd.orm_pool import run_orm
from imapd.smtp import rate_limit, replies
from imapd.smtp.auth import AuthMechanisms, SmtpUser, sender_allowed
from imapd.smtp.delivery import RecipientCheck, relay_configured
from imapd.smtp.protocol import MailEnvelope, MailServer, SingleReplyHandler, is_loopback
from imapd.smtp.recipient_cache import recipients


class SubmissionServer(AuthMechanisms):
    def __init__(self, handler: Any, **options: Any) -> None:
        super().__init__(handler, auth_required=True, auth_require_tls=True, **options)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # aiosmtpd only counts STARTTLS as secure; implicit TLS, loopback clients (as Dovecot
        # does) and an explicit setting allow AUTH too.
        assert self.session is not None
        self._auth_require_tls = not (
            self.uses_tls or is_loopback(self.session.peer) or settings.SMTP_AUTH_ALLOW_PLAINTEXT
        )


def _user(session: Session) -> SmtpUser:
    user = session.auth_data
    assert isinstance(user, SmtpUser), "MAIL and RCPT come after AUTH on submission"
    return user


class SubmissionHandler(SingleReplyHandler):
    async def sender_refusal(
        self, server: MailServer, session: Session, address: str
    ) -> replies.Reply | None:
        user = _user(session)
        if not await run_orm(sender_allowed, account_id=user.account_id, address=address):
            return replies.SENDER_NOT_OWNED
        if await run_orm(rate_limit.rate_limit_reached, account_id=user.account_id):
            return replies.RATE_LIMITED
        return None

    async def recipient(self, server: MailServer, session: Session, address: str) -> RecipientCheck:
        check = await recipients.check(address)
        if check.is_local_domain:
            return check
        if not relay_configured():
            return RecipientCheck(address, replies.NO_RELAY_HOST, is_local_domain=False)
        return RecipientCheck.remote(address)

    def submitter_id(self, server: MailServer) -> int | None:
        assert server.session is not None
        return _user(server.session).account_id

    async def accepted(self, server: MailServer, envelope: MailEnvelope) -> None:
        assert server.session is not None
        await run_orm(rate_limit.rate_limit_count, account_id=_user(server.session).account_id)
