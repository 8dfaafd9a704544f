"""The delivery threads: plans made off the event loop, and the committer joining the batch
being prepared."""

from __future__ import annotations

import asyncio
import threading
from functools import partial
from typing import Any

from imapd.smtp import delivery_worker
from imapd.smtp.delivery_worker import JOIN_WAIT_S, DeliveryWorker


def _batch(name: str) -> Any:  # stands for (jobs, deliveries, prepared): only passed on
    return ([name], [f"{name}-delivery"], [f"{name}-prepared"])


def test_plans_are_made_in_the_preparer_and_a_failed_one_fails_alone(monkeypatch):
    # The store is left out: each planned delivery commits to [its name].
    monkeypatch.setattr(delivery_worker, "envelopes_prepare", lambda deliveries, memory: [])
    monkeypatch.setattr(
        delivery_worker,
        "envelopes_commit",
        lambda deliveries, prepared, memory: [[d] for d in deliveries],
    )
    planned_in: list[str] = []

    def plan(name: str) -> Any:
        planned_in.append(threading.current_thread().name)
        if name == "broken":
            raise ValueError("cannot plan")
        return name

    async def deliver_all(worker: DeliveryWorker) -> list[Any]:
        return await asyncio.gather(
            *(worker.deliver(partial(plan, n)) for n in ("one", "broken", "two")),
            return_exceptions=True,
        )

    worker = DeliveryWorker()
    try:
        one, broken, two = asyncio.run(deliver_all(worker))
    finally:
        worker.shutdown()
    assert (one, two) == (["one"], ["two"])
    assert isinstance(broken, ValueError)
    assert planned_in == ["delivery-preparer"] * 3  # never on the event loop's thread


def test_the_batch_being_prepared_joins_the_commit():
    worker = DeliveryWorker()
    finishing = threading.Timer(JOIN_WAIT_S / 3, worker._prepared.put, [_batch("late")])
    finishing.start()
    try:
        assert worker._joining() == [_batch("late")]
    finally:
        finishing.join()
    assert worker._prepared.empty()


def test_a_batch_not_ready_in_time_waits_for_the_next_commit():
    worker = DeliveryWorker()
    assert worker._joining() == []
    worker._prepared.put(_batch("later"))  # arrives after the wait: taken by the next drain
    assert worker._prepared.get_nowait() == _batch("later")


def test_a_stop_request_met_while_joining_is_left_for_the_loop():
    worker = DeliveryWorker()
    worker._prepared.put(None)
    assert worker._joining() == []
    assert worker._prepared.get_nowait() is None  # the commit loop still sees it and stops
