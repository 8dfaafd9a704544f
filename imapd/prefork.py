"""A daemon of several processes: one supervisor, `DAEMON_PROCESSES` workers sharing its sockets.

One Python process runs its Python code on one core at a time (the GIL); with PostgreSQL the
daemon can use every core by running more processes. The supervisor binds every listener
(`imapd.listening`), then forks the workers, each running the whole daemon (`serve`) on its
inherited sockets; the kernel spreads new connections among them. What the workers share
lives outside them: rows in the database, the message files, counters in the cache, and store
changes on `NOTIFY_URL` (so an IDLE session in one worker sees a delivery made by another;
`runimapd` refuses several processes without it).

The supervisor forwards SIGINT and SIGTERM to the workers and waits for them to finish their
connections. A worker that dies is replaced; one that fails while starting (a bad certificate,
no database) stops the whole daemon instead, since its siblings would fail the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Final

from django.db import connections

from imapd import listening
from imapd.daemon import BoundServer, DaemonOptions, serve

log = logging.getLogger(__name__)

# A worker's exit status when it could not start: the supervisor stops instead of retrying.
START_FAILED: Final = 3
_QUICK_DEATH_S: Final = 5.0  # a worker dying sooner than this is replaced after a pause


def supervise(
    options: DaemonOptions,
    processes: int,
    *,
    on_ready: Callable[[list[BoundServer]], None] | None = None,
) -> int:
    """Run `processes` workers until SIGINT or SIGTERM. Returns 0, `START_FAILED` when a
    worker could not start, or 1 when one failed while stopping."""
    sockets = listening.bind_all(options.listeners(), processes)
    if on_ready is not None:
        on_ready(
            [
                BoundServer(name, *listening.address_of(socks[0]), server=None)
                for name, socks in sockets.items()
            ]
        )
    connections.close_all()  # each worker opens its own
    workers: dict[int, tuple[int, float]] = {}  # pid -> (slot, started at)
    stopping = False
    status = 0

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(workers):
            _signal(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for slot in range(processes):
            workers[_spawn(options, sockets, slot)] = (slot, time.monotonic())
        while workers:
            pid, wait_status = os.wait()
            if pid not in workers:
                continue
            slot, started = workers.pop(pid)
            code = os.waitstatus_to_exitcode(wait_status)
            if stopping:
                if code != 0:
                    log.error("daemon worker %d (pid %d) stopped with status %d", slot, pid, code)
                    status = status or 1
                continue
            if code == START_FAILED:
                log.error("daemon worker %d could not start; stopping the daemon", slot)
                status = START_FAILED
                stop(signal.SIGTERM, None)
                continue
            log.error(
                "daemon worker %d (pid %d) ended with status %d; replacing it", slot, pid, code
            )
            if time.monotonic() - started < _QUICK_DEATH_S:
                time.sleep(1)
            if not stopping:
                workers[_spawn(options, sockets, slot)] = (slot, time.monotonic())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for socks in sockets.values():
            for sock in socks:
                sock.close()
    return status


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone; os.wait reaps it
        os.kill(pid, sig)


def _stop_with_parent() -> None:
    """Have the kernel send SIGTERM to this worker when the supervisor dies, even killed
    (Linux's PR_SET_PDEATHSIG): orphaned workers would go on holding the ports."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the supervisor must stop them
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG: Final = 1


def _spawn(options: DaemonOptions, sockets: dict[str, list[socket.socket]], slot: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The worker: the supervisor's signal handlers are not its own (serve installs its own).
    code = START_FAILED
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        _stop_with_parent()
        listening.worker_sockets_take(sockets, slot)
        started = False

        def ready(bound: list[BoundServer]) -> None:
            nonlocal started
            started = True
            log.info("daemon worker %d (pid %d) serving", slot, os.getpid())

        try:
            asyncio.run(serve(options, on_ready=ready))
            code = 0
        except BaseException:
            log.exception("daemon worker %d failed", slot)
            code = 1 if started else START_FAILED
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
