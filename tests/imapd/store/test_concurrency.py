"""Concurrent writers: UIDs stay unique, ascending and gap-free across threads.

Threads need committed data and their own connections: tests/conftest.py's `shared_database`
(on SQLite a migrated file with the real settings' locking: WAL, IMMEDIATE transactions, busy
timeout; the same locking the daemon's processes meet in production).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts import services as account_services
from accounts.models import Account
from imapd.models import Mailbox, Message
from imapd.store import services
from imapd.store.dto import UidSet
from imapd.store.services import StoreMode
from tests.imapd.store.conftest import items

THREADS = 8
APPENDS_PER_THREAD = 5


def _run_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def runner(n: int) -> None:
        try:
            barrier.wait()
            target(n)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def shared_account(shared_database, domain) -> Account:
    return account_services.account_create(
        domain=domain, local_part="busy", password=None, acting_user=None
    )


def test_concurrent_appends_get_unique_ascending_uids_with_none_lost(shared_account):
    inbox = Mailbox.objects.get(account=shared_account, name="INBOX")
    results: dict[int, list[tuple[int, ...]]] = {n: [] for n in range(THREADS)}

    def append(n: int) -> None:
        for i in range(APPENDS_PER_THREAD):
            result = services.messages_append(
                mailbox=inbox, items=items(2, prefix=f"thread {n} round {i}")
            )
            results[n].append(result.uids)

    assert _run_threads(append, THREADS) == []
    total = THREADS * APPENDS_PER_THREAD * 2
    stored = list(
        Message.objects.filter(mailbox=inbox).order_by("uid").values_list("uid", flat=True)
    )
    assert stored == list(range(1, total + 1))
    handed_out = sorted(uid for batches in results.values() for batch in batches for uid in batch)
    assert handed_out == stored
    for batches in results.values():
        # Each append's UIDs are consecutive, and a thread's later appends get higher UIDs.
        flat = [uid for batch in batches for uid in batch]
        assert flat == sorted(flat)
        assert all(batch[1] == batch[0] + 1 for batch in batches)
    mailbox = Mailbox.objects.get(pk=inbox.pk)
    assert mailbox.uidnext == total + 1
    assert mailbox.message_count == total


def test_concurrent_flag_stores_and_expunges_keep_counters_right(shared_account):
    inbox = Mailbox.objects.get(account=shared_account, name="INBOX")
    services.messages_append(mailbox=inbox, items=items(40))

    def work(n: int) -> None:
        mine = UidSet.of(range(n * 5 + 1, n * 5 + 6))
        services.flags_store(mailbox=inbox, uids=mine, mode=StoreMode.ADD, flags=["\\Seen"])
        services.flags_store(
            mailbox=inbox, uids=UidSet.of([n * 5 + 1]), mode=StoreMode.ADD, flags=["\\Deleted"]
        )
        services.messages_expunge(mailbox=inbox, uids=mine)

    assert _run_threads(work, THREADS) == []
    mailbox = Mailbox.objects.get(pk=inbox.pk)
    assert mailbox.message_count == 40 - THREADS
    assert mailbox.unseen_count == 0
    assert mailbox.deleted_count == 0
    modseqs = sorted(
        Message.objects.filter(mailbox=inbox).values_list("modseq", flat=True).distinct()
    )
    # Every thread's two stores and its expunge each got a modseq of their own.
    assert mailbox.highest_modseq == 2 + THREADS * 3
    assert len(modseqs) == THREADS
