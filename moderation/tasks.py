"""Periodic jobs (the beat schedule is in settings): pending actions and the registration purge.

Each takes an optional `now` (a datetime, or ISO text when sent through the broker) so that a
test or an operator can run them "as if" at another moment.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from moderation import services


def _moment(now: datetime | str | None) -> datetime:
    if now is None:
        return timezone.now()
    return datetime.fromisoformat(now) if isinstance(now, str) else now


@shared_task(name="moderation.tasks.run_pending_actions")
def run_pending_actions(now: datetime | str | None = None) -> list[dict[str, object]]:
    """Run the deletions and rekeys that are due; returns what became of each."""
    ran = services.pending_actions_run_due(now=_moment(now))
    return [
        {"id": a.pk, "kind": a.kind, "address": a.address, "state": a.state, "result": a.result}
        for a in ran
    ]


@shared_task(name="moderation.tasks.purge_registrations")
def purge_registrations(now: datetime | str | None = None) -> list[str]:
    """Delete registrations whose contact address was not confirmed in time."""
    return services.registrations_purge(now=_moment(now))
