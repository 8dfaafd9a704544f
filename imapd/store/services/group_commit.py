"""Group commit: deliveries prepared by concurrent threads share one transaction.

Every delivery must be durable before its 250, and a durable commit costs a disk flush and a
round of locking whatever it holds. So in the mail daemon each delivery prepares its own
messages in its ORM pool thread (MIME analysis and blob writes run in parallel), then queues
them here. The first thread to find no commit running becomes the leader: it takes
everything queued (up to `MAX_BATCH` messages) and commits it in one transaction
(`deliveries_commit`), while the threads whose messages it carries wait; when it is done, the
next waiting thread leads the next commit. A thread alone commits at once, with no hand-over
to another thread and no timer, so nothing waits longer than one commit it could not join.

If a shared transaction fails, it fails for every delivery in it: nothing of them was stored,
and each caller sees the error (the listeners answer 451 4.3.0 and the sender retries).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from imapd.store.services.delivery import (
    DeliveryItem,
    DeliveryResult,
    PreparedDelivery,
    committed_merge,
    deliveries_commit,
    deliveries_prepare,
    prepared_only,
)

MAX_BATCH: Final = 64  # messages per shared transaction


@dataclass(eq=False)
class _Request:
    prepared: list[PreparedDelivery]
    results: list[DeliveryResult] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class GroupCommitter:
    """Leader-follower group commit for the threads of one process."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queue: list[_Request] = []
        self._leading = False

    def store(self, items: Sequence[DeliveryItem]) -> list[DeliveryResult]:
        """`deliveries_store`, sharing the transaction with concurrent callers."""
        prepared = deliveries_prepare(items)
        ready = prepared_only(prepared)
        if not ready:
            return committed_merge(prepared, [])
        request = _Request(ready)
        with self._changed:
            self._queue.append(request)
            while not request.done:
                if self._leading:
                    self._changed.wait()
                else:
                    self._lead()
        if request.error is not None:
            raise request.error
        return committed_merge(prepared, request.results)

    def _lead(self) -> None:
        """Commit the queued requests (called, and returning, with the condition held)."""
        batch: list[_Request] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].prepared) <= MAX_BATCH):
            batch.append(self._queue.pop(0))
            size += len(batch[-1].prepared)
        self._leading = True
        self._changed.release()
        try:
            try:
                results = deliveries_commit([p for r in batch for p in r.prepared])
            except BaseException as error:
                for request in batch:
                    request.error = error
            else:
                start = 0
                for request in batch:
                    request.results = results[start : start + len(request.prepared)]
                    start += len(request.prepared)
        finally:
            self._changed.acquire()
            for request in batch:
                request.done = True
            self._leading = False
            self._changed.notify_all()


_committer = GroupCommitter()


def deliveries_store_grouped(items: Sequence[DeliveryItem]) -> list[DeliveryResult]:
    """`deliveries_store` for the mail daemon's threads: concurrent calls share commits."""
    return _committer.store(items)
