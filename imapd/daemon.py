"""The mail daemon: every listener (IMAP, LMTP, SMTP submission and inbound) on one event loop.

Each protocol package exposes `async def start_servers(options) -> list[BoundServer]`, named in
SERVER_STARTERS; the daemon starts them all, reports where each listens, and on a stop request
closes them and waits for their connections to finish. Tests run the same daemon in a thread
with `DaemonThread`, on free ports (port 0), and read the bound ports from it.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings

from imapd import orm_pool
from imapd.listening import ListenerSpec
from imapd.smtp import delivery_worker

log = logging.getLogger(__name__)

# "module:function" of each protocol's starter, in start order.
SERVER_STARTERS: list[str] = [
    "imapd.imap.server:start_servers",
    "imapd.smtp.listeners:start_servers",
]


@dataclass(frozen=True)
class DaemonOptions:
    """Where each listener binds; a port of 0 in settings turns it off, `None` here means
    "ask the OS for a free port" (tests). Paths empty: no unix socket."""

    host: str
    imap_port: int | None
    imaps_port: int | None
    imap_unix_socket: str
    lmtp_port: int | None
    lmtp_unix_socket: str
    submission_port: int | None
    submissions_port: int | None
    smtp_port: int | None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, **overrides: Any) -> DaemonOptions:
        options = cls(
            host=settings.IMAP_HOST,
            imap_port=settings.IMAP_PORT,
            imaps_port=settings.IMAPS_PORT,
            imap_unix_socket=settings.IMAP_UNIX_SOCKET,
            lmtp_port=settings.LMTP_PORT,
            lmtp_unix_socket=settings.LMTP_UNIX_SOCKET,
            submission_port=settings.SUBMISSION_PORT,
            submissions_port=settings.SUBMISSIONS_PORT,
            smtp_port=settings.SMTP_PORT,
        )
        return replace(options, **{k: v for k, v in overrides.items() if v is not None})

    @staticmethod
    def enabled(port: int | None) -> bool:
        """0 turns a listener off; None (free port) and any other number turn it on."""
        return port != 0

    def listeners(self) -> list[ListenerSpec]:
        """Every listener turned on: `imap`, `imaps`, `lmtp`, `submission`, `submissions`,
        `smtp` on TCP, `imap-unix`, `lmtp-unix` on unix sockets."""
        ports = {
            "imap": self.imap_port,
            "imaps": self.imaps_port,
            "lmtp": self.lmtp_port,
            "submission": self.submission_port,
            "submissions": self.submissions_port,
            "smtp": self.smtp_port,
        }
        paths = {"imap-unix": self.imap_unix_socket, "lmtp-unix": self.lmtp_unix_socket}
        return [
            *(ListenerSpec(n, host=self.host, port=p) for n, p in ports.items() if self.enabled(p)),
            *(ListenerSpec(n, path=path) for n, path in paths.items() if path),
        ]

    def listener(self, name: str) -> ListenerSpec | None:
        """Where the listener `name` binds; None when it is turned off."""
        return next((spec for spec in self.listeners() if spec.name == name), None)


@dataclass(frozen=True)
class BoundServer:
    """A started listener: its name (`imap`, `imaps`, `lmtp` ...), where it listens, and the
    asyncio server (or any object with `close()` and `async wait_closed()`)."""

    name: str
    address: str
    port: int | None
    server: Any


Starter = Callable[[DaemonOptions], Awaitable[list[BoundServer]]]


def _starters() -> list[Starter]:
    found: list[Starter] = []
    for spec in SERVER_STARTERS:
        module_name, _, function = spec.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # a real import error inside an existing module
            log.debug("listener module %s is not installed", module_name)
            continue
        found.append(getattr(module, function))
    return found


async def start_all(options: DaemonOptions) -> list[BoundServer]:
    bound: list[BoundServer] = []
    try:
        for starter in _starters():
            bound.extend(await starter(options))
    except BaseException:
        await stop_all(bound)
        raise
    return bound


async def stop_all(bound: list[BoundServer]) -> None:
    for item in bound:
        item.server.close()
    for item in bound:
        await item.server.wait_closed()


async def serve(
    options: DaemonOptions,
    *,
    on_ready: Callable[[list[BoundServer]], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM when running in the main thread)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    bound = await start_all(options)
    if not bound:
        log.warning("no listener is enabled; nothing to serve")
    for item in bound:
        log.info("%s listening on %s", item.name, item.address)
    if on_ready is not None:
        on_ready(bound)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await stop_all(bound)
        # Off the loop: both wait for their threads, and closing the pool's database
        # connections is a database call, which Django refuses on an event loop.
        await asyncio.to_thread(_threads_stop)


def _threads_stop() -> None:
    delivery_worker.worker.shutdown()
    orm_pool.shutdown()


class DaemonThread:
    """The daemon on its own loop in a background thread (for tests and benchmarks)."""

    def __init__(self, options: DaemonOptions) -> None:
        self.options = options
        self.bound: dict[str, BoundServer] = {}
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mail-daemon", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await serve(self.options, on_ready=self._on_ready, stop=self._stop)

        try:
            asyncio.run(main())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    def _on_ready(self, bound: list[BoundServer]) -> None:
        self.bound = {item.name: item for item in bound}
        self._ready.set()

    def start(self, timeout: float = 30) -> DaemonThread:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the mail daemon did not start in time")
        if self._error is not None:
            raise RuntimeError("the mail daemon failed to start") from self._error
        return self

    def port(self, name: str) -> int:
        port = self.bound[name].port
        assert port is not None, f"{name} is not a TCP listener"
        return port

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    def stop(self, timeout: float = 30) -> None:
        """Stop the daemon; raises what went wrong while it stopped."""
        if self._loop is not None and self._stop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        if self._error is not None and self.bound:
            raise RuntimeError("the mail daemon failed while stopping") from self._error
