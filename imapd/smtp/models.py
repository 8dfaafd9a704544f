"""The outbound queue: messages accepted for other domains, waiting for the smarthost.

A row is the truth about a queued message (its bytes, who it still has to reach, when to try
next); Celery tasks are only wake-ups carrying its id, and a periodic sweep re-wakes rows whose
task was lost, so neither a broker restart nor a dead worker loses accepted mail. The bytes live
in the row rather than in the blob store: the store's orphan collection would take a file that
no mailbox message refers to, and the row commits atomically with the rest of the entry.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Account


class RecipientState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundMessage(models.Model):
    """One message for the smarthost, and each recipient's state in `recipients`:
    `[{"address", "state", "reply"}]`, `state` one of RecipientState."""

    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The account that submitted it; empty for forwards and bounces.",
    )
    # The envelope sender (reverse-path); empty for the null sender of a bounce.
    sender = models.CharField(max_length=320, blank=True)
    recipients = models.JSONField(default=list)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds the message until then; a crashed worker's claim simply runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        app_label = "imapd"
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["done_at", "next_attempt_at"], name="outbound_due_idx"),
        ]

    def __str__(self) -> str:
        return f"outbound {self.pk} from <{self.sender}>"
