"""Putting messages on the outbound queue and waking the relay task for them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from imapd.smtp.models import OutboundMessage, RecipientState
from mailplatform.celery import app as celery_app

log = logging.getLogger(__name__)

RELAY_TASK = "imapd.tasks.relay_outbound"


def outbound_enqueue(
    *, sender: str, recipients: Sequence[str], content: bytes, account_id: int | None = None
) -> OutboundMessage:
    """Queue `content` for the smarthost; durable once this returns (the row is committed).

    The relay task is sent after the commit; if the broker cannot take it, the periodic sweep
    finds the row anyway.
    """
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            account_id=account_id,
            sender=sender,
            recipients=[
                {"address": address, "state": RecipientState.QUEUED.value, "reply": ""}
                for address in dict.fromkeys(recipients)
            ],
            content=content,
            size=len(content),
        )
        message_id = message.pk
        transaction.on_commit(lambda: relay_wake(message_id=message_id), robust=True)
    return message


def relay_wake(*, message_id: int, at: datetime | None = None) -> None:
    """Send the relay task for a queued message, now or at `at`."""
    celery_app.send_task(RELAY_TASK, args=[message_id], eta=at)


def outbound_due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Unfinished messages due for an attempt and not held by a worker."""
    moment = now or timezone.now()
    due = OutboundMessage.objects.filter(done_at__isnull=True, next_attempt_at__lte=moment)
    unclaimed = due.filter(claimed_until__isnull=True) | due.filter(claimed_until__lt=moment)
    return list(unclaimed.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
