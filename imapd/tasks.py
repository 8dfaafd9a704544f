"""Celery tasks of the mail daemon: relaying the outbound queue, collecting orphan blobs.

The queue's rows hold the schedule; a task only carries a row id, and running one twice or too
early does nothing (`outbound_attempt` claims the row and checks it is due).
"""

from __future__ import annotations

from celery import Task, shared_task

from imapd.crypto.tasks import encrypt_account, encryption_sweep  # noqa: F401 (registers them)
from imapd.smtp import queue, relay
from imapd.store.services import orphan_blobs_delete


@shared_task(bind=True, name="imapd.tasks.relay_outbound", max_retries=None, acks_late=True)
def relay_outbound(self: Task[[int], str], message_id: int) -> str:
    """One relay attempt; a temporary failure retries the task at the row's next attempt."""
    result = relay.outbound_attempt(message_id=message_id)
    if result.retry_at is not None:
        raise self.retry(eta=result.retry_at, max_retries=None)
    return result.state


@shared_task(name="imapd.tasks.relay_sweep")
def relay_sweep() -> int:
    """Wake every due message (its task may have been lost with a broker or a worker)."""
    due = queue.outbound_due_ids()
    for message_id in due:
        queue.relay_wake(message_id=message_id)
    return len(due)


@shared_task(name="imapd.tasks.orphan_blobs_sweep")
def orphan_blobs_sweep() -> int:
    """Remove message files no row refers to, left by a crash between a delivery's write and
    its commit (only files older than an hour: a delivery in progress is never touched)."""
    return orphan_blobs_delete()
