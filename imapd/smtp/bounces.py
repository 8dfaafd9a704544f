"""Telling a sender that some recipients did not get the message: a DSN into the sender's own
INBOX when the sender is local, through the smarthost otherwise, and nothing for the null
sender (a bounce is never bounced)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from imapd.smtp.delivery import (
    Arrival,
    EnvelopeDelivery,
    envelope_deliver,
    recipient_check,
    relay_configured,
)
from imapd.smtp.dsn import FailedRecipient, dsn_build
from imapd.smtp.queue import outbound_enqueue

log = logging.getLogger(__name__)


def bounce_send(
    *,
    sender: str,
    failures: Sequence[FailedRecipient],
    original: bytes,
    arrival_date: datetime,
) -> bool:
    """Return a DSN for `failures` to `sender`; whether one went out (or was queued)."""
    if not failures:
        return False
    if not sender:
        log.info("not bouncing a message from the null sender")
        return False
    dsn = dsn_build(to=sender, failures=failures, original=original, arrival_date=arrival_date)
    check = recipient_check(sender)
    if check.is_local_domain:
        if not check.accepted:
            log.warning("bounce for %s not delivered: %s", sender, check.reply)
            return False
        delivery = EnvelopeDelivery.plan(raw=dsn, arrival=Arrival(sender=""), recipients=[check])
        outcome = envelope_deliver(delivery)[0]
        if not outcome.reply.ok:
            log.warning("bounce for %s not delivered: %s", sender, outcome.reply)
        return outcome.reply.ok
    if not relay_configured():
        log.warning("bounce for %s dropped: no relay host is configured", sender)
        return False
    outbound_enqueue(sender="", recipients=[sender], content=dsn)
    return True
