"""The mail daemon's delivery thread: group commit for the listeners.

Every delivery must be durable before its 250, and a durable commit costs a disk flush and a
round of locking whatever it holds. So the listeners (LMTP, submission, inbound SMTP) hand
their messages to one thread, which takes everything that arrived while it was busy (up to
`MAX_BATCH` messages), stores it in one transaction (`envelopes_deliver`) and answers each
connection. A message arriving at an idle worker is stored at once: no timer is involved,
and nothing waits longer than one commit it could not join.

Why one thread rather than the ORM pool: with Python's GIL, a committing thread that keeps
giving the GIL up (each SQLite statement, each fsync) waits at every turn behind threads busy
analysing other messages, so commits done among many busy threads took several times longer
than alone (bench/lmtp_delivery.py). One thread doing the analysis and the commit of a batch
in turn keeps the committer's turns short; blob flushes still run in parallel
(`imapd.store.blobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from django.db import close_old_connections, connection

from imapd.smtp.delivery import EnvelopeDelivery, RecipientOutcome, envelopes_deliver

log = logging.getLogger(__name__)

MAX_BATCH: Final = 64  # messages per shared transaction


@dataclass(frozen=True)
class _Job:
    delivery: EnvelopeDelivery
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[RecipientOutcome]]


class DeliveryWorker:
    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def deliver(self, delivery: EnvelopeDelivery) -> list[RecipientOutcome]:
        """Store one message for its recipients; its outcomes, one per recipient."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[RecipientOutcome]] = loop.create_future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="delivery-worker", daemon=True
                )
                self._thread.start()
            self._jobs.put(_Job(delivery, loop, future))
        # A connection that goes away meanwhile does not take the batch down with it.
        return await asyncio.shield(future)

    def shutdown(self) -> None:
        """Finish the jobs queued and stop (the daemon calls this on exit)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._jobs.put(None)
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                self._store(batch)
        finally:
            connection.close()

    def _next_batch(self) -> list[_Job] | None:
        """The jobs waiting (at least one; blocks for it), None once told to stop."""
        first = self._jobs.get()
        if first is None:
            return None
        batch, size = [first], len(first.delivery.items)
        while size < MAX_BATCH:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:  # stop after this batch
                self._jobs.put(None)
                break
            batch.append(job)
            size += len(job.delivery.items)
        return batch

    def _store(self, batch: list[_Job]) -> None:
        close_old_connections()
        try:
            outcomes = envelopes_deliver([job.delivery for job in batch])
        except Exception as error:  # a bug: envelopes_deliver answers store failures itself
            log.exception("delivery failed")
            for job in batch:
                _answer(job, _fail, error)
            return
        for job, outcome in zip(batch, outcomes, strict=True):
            _answer(job, _resolve, outcome)


def _answer(job: _Job, how: Callable[..., None], value: object) -> None:
    # RuntimeError: that loop is closed, and nobody waits for the answer any more.
    with contextlib.suppress(RuntimeError):
        job.loop.call_soon_threadsafe(how, job.future, value)


def _resolve(future: asyncio.Future[list[RecipientOutcome]], value: list[RecipientOutcome]) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[list[RecipientOutcome]], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


worker = DeliveryWorker()
