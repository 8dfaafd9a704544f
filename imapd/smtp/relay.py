"""The outbound queue's worker side: one relay attempt of a queued message.

Recipients the smarthost accepts are done; permanent refusals (5xx) fail at once; temporary
ones (4xx, no connection) are retried after RELAY_RETRY_DELAY, doubling up to
RELAY_RETRY_MAX_DELAY, until RELAY_RETRY_WINDOW has passed since the message was queued; then
they fail with 4.4.7. Every failure is bounced to the sender (RFC 3464), in the same transaction
that records it, so a crash cannot leave a failure recorded and its bounce lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from imapd.smtp.bounces import bounce_send
from imapd.smtp.dsn import FailedRecipient
from imapd.smtp.models import OutboundMessage, RecipientState
from imapd.smtp.replies import Reply
from imapd.smtp.smarthost import smarthost_name, smarthost_send

log = logging.getLogger(__name__)

# How long one attempt may hold a message: connecting, the transaction, and some slack.
_CLAIM_TIMEOUTS = 4


@dataclass(frozen=True)
class AttemptResult:
    """`state`: "done" (nothing left to send), "retry" (at `retry_at`) or "skipped" (not due,
    finished, or held by another worker)."""

    message_id: int
    state: str
    retry_at: datetime | None = None


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    seconds = settings.RELAY_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.RELAY_RETRY_MAX_DELAY))


def _claim(message_id: int, now: datetime) -> bool:
    hold = timedelta(seconds=settings.RELAY_TIMEOUT * _CLAIM_TIMEOUTS)
    return bool(
        OutboundMessage.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            pk=message_id,
            done_at__isnull=True,
            next_attempt_at__lte=now,
        ).update(claimed_until=now + hold)
    )


def outbound_attempt(*, message_id: int, now: datetime | None = None) -> AttemptResult:
    """Offer a due message to the smarthost once and record what became of each recipient."""
    moment = now or timezone.now()
    if not _claim(message_id, moment):
        return AttemptResult(message_id, "skipped")
    message = OutboundMessage.objects.get(pk=message_id)
    pending = [r["address"] for r in message.recipients if r["state"] == RecipientState.QUEUED]
    answers = smarthost_send(
        sender=message.sender, recipients=pending, content=bytes(message.content)
    )
    remote = smarthost_name()
    expired = moment >= message.created_at + timedelta(seconds=settings.RELAY_RETRY_WINDOW)
    failed: list[FailedRecipient] = []
    waiting = 0
    for entry in message.recipients:
        reply = answers.get(entry["address"])
        if reply is None:
            continue
        entry["reply"] = str(reply)
        if reply.ok:
            entry["state"] = RecipientState.SENT.value
        elif reply.temporary and not expired:
            waiting += 1
        else:
            if reply.temporary:
                reply = Reply(reply.code, "4.4.7", f"Delivery time expired; last reply: {reply}")
            entry["state"] = RecipientState.FAILED.value
            failed.append(FailedRecipient(entry["address"], reply, remote_mta=remote))
    message.attempts += 1
    message.claimed_until = None
    message.last_error = "; ".join(
        f"{address}: {reply}" for address, reply in answers.items() if not reply.ok
    )
    retry_at = moment + retry_delay(message.attempts) if waiting else None
    if retry_at is None:
        message.done_at = moment
    else:
        message.next_attempt_at = retry_at
    with transaction.atomic():
        message.save(
            update_fields=[
                "recipients",
                "attempts",
                "claimed_until",
                "last_error",
                "done_at",
                "next_attempt_at",
            ]
        )
        bounce_send(
            sender=message.sender,
            failures=failed,
            original=bytes(message.content),
            arrival_date=message.created_at,
        )
    if failed:
        log.info("relay of %s failed for %d recipient(s)", message_id, len(failed))
    return AttemptResult(message_id, "retry" if retry_at else "done", retry_at)
