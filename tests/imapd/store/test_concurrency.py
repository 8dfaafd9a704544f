"""Concurrent writers: UIDs stay unique, ascending and gap-free across threads.

Threads need committed data and their own connections, hence `transactional_db`. pytest-django
gives SQLite tests an in-memory database in shared-cache mode, whose table locks fail at once
instead of waiting (the busy timeout does not apply to them), so these tests run on a
temporary SQLite file instead, with the real settings' options (WAL, IMMEDIATE transactions,
busy timeout): the same locking the daemon's processes meet in production.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections

from accounts import services as account_services
from accounts.models import Account
from imapd.models import Mailbox, Message
from imapd.store import services
from imapd.store.dto import UidSet
from imapd.store.services import StoreMode
from tests.imapd.store.conftest import items

THREADS = 8
APPENDS_PER_THREAD = 5


@pytest.fixture
def file_database(transactional_db, tmp_path: Path, django_db_blocker) -> Iterator[None]:
    """Point the default connection, in this thread and new ones, at a migrated SQLite file.

    The in-memory test database must stay open meanwhile (closing its last connection would
    destroy it for the rest of the run), so its connection object is set aside, not closed.
    """
    if connection.vendor != "sqlite":
        yield  # PostgreSQL: the test database already serves several connections
        return
    original_settings = connections.settings["default"]
    original_connection = connections["default"]
    file_settings = {**original_settings, "NAME": str(tmp_path / "concurrency.sqlite3")}
    connections.settings["default"] = file_settings
    connections["default"] = original_connection.__class__(file_settings, "default")
    try:
        with django_db_blocker.unblock():
            call_command("migrate", verbosity=0)
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = original_settings
        connections["default"] = original_connection


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
def shared_account(file_database, domain) -> Account:
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
