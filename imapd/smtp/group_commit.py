"""Group commit: the deliveries of concurrent connections share one transaction.

Every delivery must be durable before its 250, and a durable commit costs a disk flush and a
round of locking whatever it holds. So each connection prepares its own messages in the ORM
pool (MIME analysis and fsynced blobs run in parallel), then hands them here: while one
transaction runs, the messages that arrive wait, and the next transaction takes all of them
(up to `MAX_BATCH`). A delivery that finds no transaction running prepares and commits in
one trip to the pool; eight connections share their commits. No timer is involved, so
nothing waits longer than one commit it could not join.

If a shared transaction fails, every message in it gets a temporary failure (451 4.3.0) and
its sender tries again; nothing of it was stored (`deliveries_commit`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from imapd.orm_pool import run_orm
from imapd.smtp import replies
from imapd.smtp.delivery import EnvelopeDelivery, RecipientOutcome, items_prepare, items_store
from imapd.smtp.replies import Reply
from imapd.store.services.delivery import (
    DeliveryItem,
    DeliveryResult,
    PreparedDelivery,
    committed_merge,
    deliveries_commit,
    prepared_only,
)

log = logging.getLogger(__name__)

MAX_BATCH: Final = 64  # messages per shared transaction

_Waiter = tuple[Sequence[PreparedDelivery], "asyncio.Future[list[DeliveryResult] | Reply]"]


@dataclass(eq=False)
class GroupCommitter:
    """Commits prepared deliveries for the connections of one event loop."""

    waiting: list[_Waiter] = field(default_factory=list)
    running: bool = False

    async def deliver(self, items: Sequence[DeliveryItem]) -> list[DeliveryResult | Reply]:
        """Store `items`; one result per item, in order (a reply where nothing was stored)."""
        loop = asyncio.get_running_loop()
        if not self.running:
            # Nothing to join: prepare and commit in one trip to the ORM pool.
            self.running = True
            return await asyncio.shield(loop.create_task(self._store_alone(items)))
        prepared = await run_orm(items_prepare, items)
        committed = await self.commit(prepared_only(prepared))
        return committed_merge(
            prepared,
            committed if isinstance(committed, list) else itertools.repeat(committed),
        )

    async def _store_alone(self, items: Sequence[DeliveryItem]) -> list[DeliveryResult | Reply]:
        try:
            return await run_orm(items_store, items)
        finally:
            self._next()

    async def commit(self, prepared: Sequence[PreparedDelivery]) -> list[DeliveryResult] | Reply:
        """The results of `prepared`, in order, or the reply for a failed transaction."""
        if not prepared:
            return []
        future: asyncio.Future[list[DeliveryResult] | Reply] = (
            asyncio.get_running_loop().create_future()
        )
        self.waiting.append((prepared, future))
        if not self.running:
            self._next()
        # A connection that goes away meanwhile must not cancel the others' transaction.
        return await asyncio.shield(future)

    def _next(self) -> None:
        batch: list[_Waiter] = []
        size = 0
        while self.waiting and (not batch or size + len(self.waiting[0][0]) <= MAX_BATCH):
            waiter = self.waiting.pop(0)
            batch.append(waiter)
            size += len(waiter[0])
        self.running = bool(batch)
        if batch:
            asyncio.get_running_loop().create_task(self._run(batch))

    async def _run(self, batch: list[_Waiter]) -> None:
        try:
            flat = [p for prepared, _ in batch for p in prepared]
            try:
                results = await run_orm(deliveries_commit, flat)
            except Exception:
                log.exception("a shared delivery transaction failed; its senders retry")
                for _, future in batch:
                    if not future.done():
                        future.set_result(replies.TEMPORARY_FAILURE)
                return
            start = 0
            for prepared, future in batch:
                if not future.done():
                    future.set_result(results[start : start + len(prepared)])
                start += len(prepared)
        finally:
            self._next()


_committers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter] = (
    weakref.WeakKeyDictionary()
)


def committer() -> GroupCommitter:
    """The group committer of the running event loop."""
    loop = asyncio.get_running_loop()
    found = _committers.get(loop)
    if found is None:
        found = _committers[loop] = GroupCommitter()
    return found


async def envelope_deliver_grouped(delivery: EnvelopeDelivery) -> list[RecipientOutcome]:
    """`envelope_deliver` for the listeners: the store's part shares its transaction."""
    results = await committer().deliver(delivery.items)
    if delivery.external:  # queueing the relayed copy uses the ORM
        return await run_orm(delivery.outcomes, results)
    return delivery.outcomes(results)
