"""One client connection: an asyncio Protocol with a read buffer and awaitable reads.

A Protocol rather than StreamReader/StreamWriter: an idle connection is this object, its
transport and the session's suspended coroutine, with no per-connection stream objects, which
keeps ten thousand IDLE sessions cheap. The session reads through `read_line`, `read_exactly`
and `wait`, all bounded by the inactivity deadline it passes; it writes with `write` and waits
for the socket with `drain` (flow control from `pause_writing`).

Reading is paused while more than READ_AHEAD octets wait unread (a client pipelining faster
than commands run) and resumed as soon as the session asks for more.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Callable
from typing import Any

READ_AHEAD = 1 << 20
_TAG_PREFIX = 200  # octets of an overlong line kept to answer with its tag


class ConnectionClosed(Exception):
    """The peer went away (or the server closed the connection)."""


class InactivityTimeout(Exception):
    """Nothing arrived from the client before the deadline."""


class LineTooLongError(Exception):
    """A line went past the limit; it was read and dropped up to its end. `prefix` holds its
    first octets, enough to find the command's tag."""

    def __init__(self, prefix: bytes) -> None:
        super().__init__("line too long")
        self.prefix = prefix


class Connection(asyncio.Protocol):
    __slots__ = (
        "_buffer",
        "_closed",
        "_discarding",
        "_drain_waiter",
        "_eof",
        "_loop",
        "_on_made",
        "_paused_reading",
        "_paused_writing",
        "_scan",
        "_waiter",
        "_woken",
        "last_activity",
        "local",
        "peer",
        "tls",
        "transport",
    )

    def __init__(self, *, tls: bool, on_made: Callable[[Connection], None]) -> None:
        self.tls = tls
        self._on_made = on_made
        self.transport: asyncio.Transport | None = None
        self.peer: str | None = None
        # Loopback and unix socket peers count as secure for plaintext authentication.
        self.local = False
        self._buffer = bytearray()
        self._scan = 0
        self._discarding = False
        self._waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._woken = False
        self._paused_reading = False
        self._paused_writing = False
        self._eof = False
        self._closed = False
        self._loop = asyncio.get_running_loop()
        self.last_activity = self._loop.time()

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.peer = str(peer[0])
            self.local = is_local_address(self.peer)
        else:  # a unix socket: the peer is on this machine
            self.peer = None
            self.local = True
        self._on_made(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self.last_activity = self._loop.time()
        # Pause a client that pipelines faster than commands run; not one the session is
        # waiting on (a big literal arrives in many pieces).
        waiting = self._waiter is not None and not self._waiter.done()
        transport = self.transport
        if (
            len(self._buffer) > READ_AHEAD
            and not waiting
            and not self._paused_reading
            and transport
        ):
            self._paused_reading = True
            transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._wake()
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        self._paused_writing = True

    def resume_writing(self) -> None:
        self._paused_writing = False
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- waking the session ------------------------------------------------------------------

    def _wake(self) -> None:
        self._woken = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def notify(self) -> None:
        """Wake a session blocked in `wait()` (a store change arrived for it)."""
        self._wake()

    @property
    def closed(self) -> bool:
        return self._closed

    async def _sleep_until(self, deadline: float | None) -> None:
        """Until data, EOF, close, `notify()` or the deadline, whichever comes first."""
        if self._woken:
            self._woken = False
            return
        waiter = self._loop.create_future()
        self._waiter = waiter
        timer = None if deadline is None else self._loop.call_at(deadline, _resolve, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            self._woken = False
            if timer is not None:
                timer.cancel()

    def _want_more(self) -> None:
        if self._paused_reading and self.transport is not None and not self._closed:
            self._paused_reading = False
            self.transport.resume_reading()

    async def wait(self, deadline: float | None) -> None:
        """Sleep until something happens (see `_sleep_until`); raise if the peer is gone."""
        if self._closed or self._eof:
            raise ConnectionClosed
        self._want_more()
        await self._sleep_until(deadline)

    def has_line(self) -> bool:
        return self._buffer.find(b"\n", self._scan) >= 0

    def _check_alive(self, idle_for: float | None) -> None:
        if self._closed or self._eof:
            raise ConnectionClosed
        # The deadline counts from the last octet received, so a slow literal upload is not
        # cut off while it still makes progress.
        if idle_for is not None and self._loop.time() >= self.last_activity + idle_for:
            raise InactivityTimeout

    # -- reading -----------------------------------------------------------------------------

    async def read_line(self, limit: int, idle_for: float | None) -> bytes:
        """The next line, LF included. Past `limit` octets without LF the line is consumed to
        its end and LineTooLongError raised."""
        while True:
            end = self._buffer.find(b"\n", self._scan)
            if end >= 0:
                if self._discarding:
                    self._discarding = False
                    prefix = bytes(self._buffer[:_TAG_PREFIX])
                    del self._buffer[: end + 1]
                    self._scan = 0
                    raise LineTooLongError(prefix)
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                self._scan = 0
                return line
            if len(self._buffer) > limit:
                if not self._discarding:
                    self._discarding = True
                del self._buffer[_TAG_PREFIX:]
            self._scan = len(self._buffer)
            deadline = None if idle_for is None else self.last_activity + idle_for
            self._check_alive(idle_for)
            self._want_more()
            await self._sleep_until(deadline)

    async def read_exactly(self, size: int, idle_for: float | None) -> bytes:
        while len(self._buffer) < size:
            deadline = None if idle_for is None else self.last_activity + idle_for
            self._check_alive(idle_for)
            self._want_more()
            await self._sleep_until(deadline)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._scan = 0
        return data

    async def skip_exactly(self, size: int, idle_for: float | None) -> None:
        """Read and drop `size` octets without holding them all (a refused literal)."""
        remaining = size
        while remaining:
            if not self._buffer:
                deadline = None if idle_for is None else self.last_activity + idle_for
                self._check_alive(idle_for)
                self._want_more()
                await self._sleep_until(deadline)
                continue
            taken = min(remaining, len(self._buffer))
            del self._buffer[:taken]
            remaining -= taken
        self._scan = 0

    def discard_buffered(self) -> None:
        """Forget what the client sent but the server has not read (STARTTLS, RFC 3501 6.2.1:
        plaintext pipelined after the command must not be taken as coming over TLS)."""
        self._buffer.clear()
        self._scan = 0
        self._discarding = False

    # -- writing -----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self._closed or self.transport is None or self.transport.is_closing():
            return
        self.transport.write(data)

    async def drain(self) -> None:
        if self._closed:
            raise ConnectionClosed
        if not self._paused_writing:
            return
        waiter = self._loop.create_future()
        self._drain_waiter = waiter
        try:
            await waiter
        finally:
            self._drain_waiter = None
        if self._closed:
            raise ConnectionClosed

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def start_tls(self, context: ssl.SSLContext) -> None:
        """Switch the connection to TLS (STARTTLS); unread plaintext is dropped first."""
        assert self.transport is not None
        self.discard_buffered()
        transport = await self._loop.start_tls(self.transport, self, context, server_side=True)
        if transport is None:
            raise ConnectionClosed
        self.transport = transport
        self.tls = True

    def extra_info(self, name: str) -> Any:
        return None if self.transport is None else self.transport.get_extra_info(name)


def is_local_address(host: str) -> bool:
    """Whether a peer address is this machine's loopback (trusted like Dovecot does)."""
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
