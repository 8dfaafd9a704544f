"""The mail daemon's delivery threads: group commit for the listeners.

Every delivery must be durable before its 250, and a durable commit costs a disk flush and a
round of locking whatever it holds. So the listeners (LMTP, submission, inbound SMTP) hand
their messages to two threads working as a pipeline:

- the preparer takes every message that has arrived, plans it (`EnvelopeDelivery.plan`: the
  copy for each account, with its trace fields) and prepares it (`envelopes_prepare`: MIME
  analysis, blob written and being flushed);
- the committer takes everything prepared meanwhile (up to `MAX_BATCH` messages), stores it
  in one transaction (`envelopes_commit`) and answers each connection.

So one batch is analysed while the one before waits for its disk flushes. The preparer takes
the accounts' key pairs from what the committer last read (`AccountMemory`) rather than reading
them for every batch; the commit checks them under its lock. A message that
finds both threads idle goes straight through. When the committer finds the preparer in the
middle of a batch, it waits for that batch (at most `JOIN_WAIT_S`) and commits both together:
a commit costs a disk flush and a round of locks however few messages it holds, so this
spares one, and it is what makes batches grow with the number of connections (measured with
bench/lmtp_delivery.py: 8 connections, 10-15% more messages a second on SQLite and
PostgreSQL). Otherwise nothing waits longer than one commit it could not join.

Why two threads rather than the ORM pool: with Python's GIL, a committing thread that keeps
giving the GIL up (each SQLite statement, each fsync) waits at every turn behind the threads
busy analysing other messages; commits done among eight busy ORM threads took several times
longer than alone (bench/lmtp_delivery.py). Blob flushes still run in parallel, in their own
small pool (`imapd.store.blobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from django.db import close_old_connections, connection

from imapd.smtp.delivery import (
    EnvelopeDelivery,
    Prepared,
    RecipientOutcome,
    envelopes_commit,
    envelopes_prepare,
)
from imapd.store.services.delivery import AccountMemory

log = logging.getLogger(__name__)

MAX_BATCH: Final = 64  # messages per shared transaction
# How long the committer waits for a batch being prepared: about as long as preparing a few
# messages takes.
JOIN_WAIT_S: Final = 0.003


@dataclass(frozen=True)
class _Job:
    plan: Callable[[], EnvelopeDelivery]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[RecipientOutcome]]


_Batch = tuple[list[_Job], list[EnvelopeDelivery], list[Prepared]]


class DeliveryWorker:
    def __init__(self) -> None:
        self._arrived: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._prepared: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._preparing = threading.Event()  # set while the preparer works on a batch
        self._memory = AccountMemory()

    async def deliver(self, plan: Callable[[], EnvelopeDelivery]) -> list[RecipientOutcome]:
        """Store one message for its recipients; its outcomes, one per recipient.

        `plan` (an `EnvelopeDelivery.plan` with its arguments) runs in the preparing thread,
        not on the event loop: it copies the whole message once per account, which for a
        large message to many accounts would hold up every session on the loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[RecipientOutcome]] = loop.create_future()
        with self._lock:
            if not self._threads:
                self._threads = [
                    threading.Thread(target=target, name=name, daemon=True)
                    for target, name in (
                        (self._prepare_loop, "delivery-preparer"),
                        (self._commit_loop, "delivery-committer"),
                    )
                ]
                for thread in self._threads:
                    thread.start()
            self._arrived.put(_Job(plan, loop, future))
        # A connection that goes away meanwhile does not take the batch down with it.
        return await asyncio.shield(future)

    def shutdown(self) -> None:
        """Finish the messages queued and stop (the daemon calls this on exit)."""
        with self._lock:
            threads, self._threads = self._threads, []
            if threads:
                self._arrived.put(None)
        for thread in threads:
            thread.join()

    def _prepare_loop(self) -> None:
        try:
            while True:
                arrived = _drain(self._arrived, lambda job: 1)
                if arrived is None:
                    self._prepared.put(None)
                    return
                close_old_connections()
                self._preparing.set()
                try:
                    jobs, deliveries = _planned(arrived)
                    batch = (jobs, deliveries, envelopes_prepare(deliveries, self._memory))
                finally:
                    self._preparing.clear()
                self._prepared.put(batch)
        finally:
            connection.close()

    def _joining(self) -> list[_Batch]:
        """The batch the preparer is finishing, when it is ready within `JOIN_WAIT_S`."""
        try:
            batch = self._prepared.get(timeout=JOIN_WAIT_S)
        except queue.Empty:
            return []
        if batch is None:  # told to stop: after this commit
            self._prepared.put(None)
            return []
        return [batch]

    def _commit_loop(self) -> None:
        try:
            while True:
                batches = _drain(self._prepared, lambda batch: len(batch[2]))
                if batches is None:
                    return
                if self._preparing.is_set() and sum(len(b[2]) for b in batches) < MAX_BATCH:
                    batches += self._joining()
                close_old_connections()
                jobs = [job for batch in batches for job in batch[0]]
                deliveries = [delivery for batch in batches for delivery in batch[1]]
                prepared = [p for batch in batches for p in batch[2]]
                try:
                    outcomes = envelopes_commit(deliveries, prepared, self._memory)
                except Exception as error:  # a bug: store failures are answered as outcomes
                    log.exception("delivery failed")
                    for job in jobs:
                        _answer(job, _fail, error)
                    continue
                for job, outcome in zip(jobs, outcomes, strict=True):
                    _answer(job, _resolve, outcome)
        finally:
            connection.close()


def _planned(jobs: list[_Job]) -> tuple[list[_Job], list[EnvelopeDelivery]]:
    """The jobs whose plan could be made, with their deliveries; the others are answered
    with the error (a bug: planning only rearranges bytes)."""
    kept: list[_Job] = []
    deliveries: list[EnvelopeDelivery] = []
    for job in jobs:
        try:
            deliveries.append(job.plan())
        except Exception as error:
            log.exception("delivery could not be planned")
            _answer(job, _fail, error)
            continue
        kept.append(job)
    return kept, deliveries


T = TypeVar("T")


def _drain(source: queue.SimpleQueue[T | None], size: Callable[[T], int]) -> list[T] | None:
    """What is waiting in `source` (blocking for the first), up to `MAX_BATCH` messages;
    None once told to stop (after what came before the stop)."""
    first = source.get()
    if first is None:
        return None
    taken, total = [first], size(first)
    while total < MAX_BATCH:
        try:
            more = source.get_nowait()
        except queue.Empty:
            break
        if more is None:  # stop after this batch
            source.put(None)
            break
        taken.append(more)
        total += size(more)
    return taken


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
