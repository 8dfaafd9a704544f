"""SharedRefresh: sessions woken by the same change share one store read, and never an answer
from before the change they were told about."""

from __future__ import annotations

import asyncio
from typing import cast

from imapd.imap.backend import Backend, RefreshData
from imapd.imap.selected import SharedRefresh


class SlowBackend:
    """Answers refreshes when released, counting them."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def refresh(self, mailbox_id, *, since, claim_recent, keyword_count) -> RefreshData:
        self.calls += 1
        await self.release.wait()
        return RefreshData(highest_modseq=since + 1, recent=(5, 6) if claim_recent else None)


def as_backend(fake: SlowBackend) -> Backend:
    return cast(Backend, fake)


def _run(coroutine):
    return asyncio.run(coroutine)


def test_sessions_told_of_the_same_change_share_one_read():
    async def scenario():
        shared, backend = SharedRefresh(), SlowBackend()
        calls = [
            shared.refresh(as_backend(backend), 1, since=10, claim_recent=True, keywords=0, seen=11)
            for _ in range(5)
        ]
        tasks = [asyncio.ensure_future(call) for call in calls]
        await asyncio.sleep(0)
        backend.release.set()
        results = await asyncio.gather(*tasks)
        return backend.calls, results

    calls, results = _run(scenario())
    assert calls == 1
    assert [r.highest_modseq for r in results] == [11] * 5
    # The \Recent claim belongs to the session that read; the others get none.
    assert [r.recent for r in results] == [(5, 6), None, None, None, None]


def test_a_session_told_of_a_later_change_does_not_join_an_earlier_read():
    async def scenario():
        shared, backend = SharedRefresh(), SlowBackend()
        first = asyncio.ensure_future(
            shared.refresh(
                as_backend(backend), 1, since=10, claim_recent=False, keywords=0, seen=10
            )
        )
        await asyncio.sleep(0)
        second = asyncio.ensure_future(
            shared.refresh(
                as_backend(backend), 1, since=10, claim_recent=False, keywords=0, seen=12
            )
        )
        await asyncio.sleep(0)
        backend.release.set()
        await asyncio.gather(first, second)
        return backend.calls

    assert _run(scenario()) == 2


def test_different_mailboxes_or_modseqs_are_read_separately():
    async def scenario():
        shared, backend = SharedRefresh(), SlowBackend()
        tasks = [
            asyncio.ensure_future(
                shared.refresh(
                    as_backend(backend), box, since=since, claim_recent=False, keywords=0, seen=20
                )
            )
            for box, since in ((1, 10), (2, 10), (1, 11))
        ]
        await asyncio.sleep(0)
        backend.release.set()
        await asyncio.gather(*tasks)
        return backend.calls

    assert _run(scenario()) == 3


def test_a_failed_read_fails_its_followers_and_is_forgotten():
    class Failing(SlowBackend):
        async def refresh(self, mailbox_id, **kwargs) -> RefreshData:
            self.calls += 1
            await self.release.wait()
            raise RuntimeError("database gone")

    async def scenario():
        shared, backend = SharedRefresh(), Failing()
        tasks = [
            asyncio.ensure_future(
                shared.refresh(
                    as_backend(backend), 1, since=1, claim_recent=False, keywords=0, seen=2
                )
            )
            for _ in range(3)
        ]
        await asyncio.sleep(0)
        backend.release.set()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        return outcomes, shared._pending

    outcomes, pending = _run(scenario())
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert pending == {}
