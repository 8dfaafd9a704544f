"""The delivery threads' group commit: the committer joins the batch being prepared."""

from __future__ import annotations

import threading
from typing import Any

from imapd.smtp.delivery_worker import JOIN_WAIT_S, DeliveryWorker


def _batch(name: str) -> Any:  # stands for (jobs, prepared): the worker only passes it on
    return ([name], [f"{name}-prepared"])


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
