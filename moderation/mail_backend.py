"""A Django e-mail backend that sends through the platform's own mail system.

Set EMAIL_BACKEND=moderation.mail_backend.PlatformEmailBackend: recipients in the platform's
domains get the message in their INBOX (as LMTP would deliver it), the others go to the
outbound queue, which the relay hands to the smarthost (SMTP_RELAY_URL) with its retries and
bounces. No SMTP credentials are needed for the platform to mail its users.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.utils import parseaddr

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from imapd.smtp.delivery import (
    Arrival,
    EnvelopeDelivery,
    envelope_deliver,
    recipient_check,
    relay_configured,
)
from imapd.smtp.queue import outbound_enqueue
from mailplatform.errors import TemporaryFailure

log = logging.getLogger(__name__)


class PlatformEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            try:
                if self._send(message):
                    sent += 1
            except Exception:
                if not self.fail_silently:
                    raise
                log.exception("could not send %r", message.subject)
        return sent

    def _send(self, message: EmailMessage) -> bool:
        recipients = message.recipients()
        if not recipients:
            return False
        sender = parseaddr(message.from_email)[1]
        raw = message.message().as_bytes(linesep="\r\n")
        checks = [recipient_check(address) for address in recipients]
        local = [check for check in checks if check.is_local_domain and check.accepted]
        refused = [
            check.address for check in checks if check.is_local_domain and not check.accepted
        ]
        remote = [check.address for check in checks if not check.is_local_domain]
        if refused:
            log.warning("not sending %r to %s: refused here", message.subject, ", ".join(refused))
        if remote and not relay_configured():
            raise TemporaryFailure(
                "Cannot send e-mail outside the platform's domains: no relay host is configured."
            )
        delivered = False
        if local:
            outcomes = envelope_deliver(
                EnvelopeDelivery.plan(raw=raw, arrival=Arrival(sender=sender), recipients=local)
            )
            delivered = any(outcome.reply.ok for outcome in outcomes)
        if remote:
            outbound_enqueue(sender=sender, recipients=remote, content=raw)
            delivered = True
        return delivered
