"""The bridge from the event loop to the Django ORM.

The ORM is never called on the event loop thread: calls cross into one bounded thread pool and
come back as plain data. Each pool thread keeps its own database connection (Django connections
are per thread), checked for staleness before each call like a request would.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.backends.base.base import BaseDatabaseWrapper

P = ParamSpec("P")
R = TypeVar("R")

_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.DAEMON_DB_THREADS, thread_name_prefix="orm"
        )
    return _executor


# Each pool thread's database connections, closed by `shutdown` (a connection left open
# would outlive the daemon's stop, e.g. holding a test database that is to be dropped).
_opened: dict[int, list[BaseDatabaseWrapper]] = {}
_opened_lock = threading.Lock()


def _fresh_connection_then(call: Callable[[], R]) -> R:
    thread = threading.get_ident()
    if thread not in _opened:
        with _opened_lock:
            _opened[thread] = list(connections.all(initialized_only=False))
    close_old_connections()
    return call()


async def run_orm(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run `fn(*args, **kwargs)` in the ORM thread pool and await its result."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(fn, *args, **kwargs)
    return await loop.run_in_executor(
        executor(), functools.partial(context.run, _fresh_connection_then, call)
    )


def shutdown() -> None:
    """Stop the pool (the daemon calls this on exit); a later call starts a new one."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=True, cancel_futures=True)
        _executor = None
    with _opened_lock:
        opened = [c for thread_connections in _opened.values() for c in thread_connections]
        _opened.clear()
    for db in opened:  # their threads have ended: closed from here, as Django allows it
        db.inc_thread_sharing()
        try:
            db.close()
        finally:
            db.dec_thread_sharing()
