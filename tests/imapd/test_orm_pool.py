"""The daemon's ORM thread pool: calls run off the event loop; stopping it closes their
database connections."""

from __future__ import annotations

import asyncio
import threading

from django.db import connections

from imapd import orm_pool
from imapd.daemon import DaemonOptions, DaemonThread


def _this_threads_connection() -> object:
    db = connections["default"]
    db.ensure_connection()
    return db


def test_calls_run_in_a_pool_thread_and_shutdown_closes_its_connection(shared_database):
    async def use_the_pool() -> tuple[int, object]:
        thread = await orm_pool.run_orm(threading.get_ident)
        return thread, await orm_pool.run_orm(_this_threads_connection)

    thread, db = asyncio.run(use_the_pool())
    assert thread != threading.get_ident()
    assert db is not connections["default"]  # the pool thread's own
    assert db.connection is not None  # type: ignore[attr-defined]
    orm_pool.shutdown()
    assert db.connection is None  # type: ignore[attr-defined]


def test_the_daemon_stops_its_pool_and_closes_the_connections(shared_database):
    options = DaemonOptions(
        host="127.0.0.1",
        imap_port=0,
        imaps_port=0,
        imap_unix_socket="",
        lmtp_port=None,
        lmtp_unix_socket="",
        submission_port=0,
        submissions_port=0,
        smtp_port=0,
    )
    daemon = DaemonThread(options).start()
    call = orm_pool.run_orm(_this_threads_connection)
    db = asyncio.run_coroutine_threadsafe(call, daemon.loop).result(timeout=30)
    assert db.connection is not None  # type: ignore[attr-defined]
    daemon.stop()  # raises what failed while stopping (a database call on the loop did)
    assert db.connection is None  # type: ignore[attr-defined]
