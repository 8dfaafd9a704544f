"""The IMAP listeners: plain TCP (with STARTTLS), implicit TLS and a unix socket, each started
when enabled in DaemonOptions, all feeding sessions of one `ImapServer`.

`ImapServer` holds what sessions share: the limits, the TLS context, the count of logged-in
connections per account, and whether any account could use CRAM-MD5. Closing the last listener
ends every session with `* BYE` (daemon shutdown).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from asyncio import sslproto
from collections.abc import Callable

from imapd import tls
from imapd.daemon import BoundServer, DaemonOptions
from imapd.imap import auth
from imapd.imap.config import ImapConfig
from imapd.imap.connection import Connection
from imapd.imap.selected import SharedRefresh
from imapd.imap.session import Session
from imapd.listening import address_of, listening_socket
from imapd.orm_pool import run_orm

log = logging.getLogger(__name__)

CRAM_MD5_RECHECK = 60.0
# asyncio gives every TLS connection a 256 KiB read buffer, allocated and zeroed up front:
# 2.5 GB for 10,000 IDLE clients. A TLS record is at most 16 KiB, so 16 KiB loses nothing
# but the occasional extra read() on bulk transfers. (A class attribute of the stdlib's
# SSLProtocol: it applies to every TLS listener of the daemon, SMTP's included.)
TLS_READ_BUFFER = 16 * 1024


def _lean_tls_buffers() -> None:
    sslproto.SSLProtocol.max_size = TLS_READ_BUFFER


class ImapServer:
    """State shared by the sessions of every IMAP listener of this process."""

    def __init__(self, config: ImapConfig, tls_context: ssl.SSLContext | None) -> None:
        self.config = config
        self.tls_context = tls_context
        self.cram_md5 = False
        self._cram_checked = 0.0
        self._cram_task: asyncio.Task[None] | None = None
        self._per_account: dict[int, int] = {}
        self.refresher = SharedRefresh()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sessions: set[Session] = set()
        self._listeners = 0
        self.closing = False

    # -- connections -------------------------------------------------------------------------

    def protocol_factory(self, *, tls: bool, starttls: bool) -> Callable[[], Connection]:
        def on_made(conn: Connection) -> None:
            if self.closing:
                conn.close()
                return
            session = Session(self, conn, starttls=starttls)
            self._sessions.add(session)
            task = asyncio.get_running_loop().create_task(session.run())
            self._tasks.add(task)
            task.add_done_callback(lambda done: self._ended(done, session))
            self._maybe_recheck_cram_md5()

        def factory() -> Connection:
            return Connection(tls=tls, on_made=on_made)

        return factory

    def _ended(self, task: asyncio.Task[None], session: Session) -> None:
        self._tasks.discard(task)
        self._sessions.discard(session)

    def connection_opened(self, account_id: int) -> bool:
        """Count a logged-in connection; False when the account has too many already."""
        count = self._per_account.get(account_id, 0)
        limit = self.config.max_connections_per_account
        if limit and count >= limit:
            return False
        self._per_account[account_id] = count + 1
        return True

    def connection_closed(self, account_id: int) -> None:
        count = self._per_account.get(account_id, 0) - 1
        if count > 0:
            self._per_account[account_id] = count
        else:
            self._per_account.pop(account_id, None)

    def connections_of(self, account_id: int) -> int:
        return self._per_account.get(account_id, 0)

    # -- CRAM-MD5 availability ---------------------------------------------------------------

    async def check_cram_md5(self) -> None:
        self._cram_checked = time.monotonic()
        try:
            self.cram_md5 = await run_orm(auth.cram_md5_available)
        except Exception:
            log.exception("could not check for CRAM-MD5 credentials")

    def _maybe_recheck_cram_md5(self) -> None:
        if time.monotonic() - self._cram_checked < CRAM_MD5_RECHECK:
            return
        if self._cram_task is not None and not self._cram_task.done():
            return
        self._cram_task = asyncio.get_running_loop().create_task(self.check_cram_md5())

    # -- shutdown ----------------------------------------------------------------------------

    def listener_started(self) -> None:
        self._listeners += 1

    def listener_closed(self) -> None:
        self._listeners -= 1
        if self._listeners > 0 or self.closing:
            return
        self.closing = True
        for session in list(self._sessions):
            session.shut_down()

    async def wait_sessions(self, timeout: float = 10.0) -> None:
        tasks = list(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()


class _Listener:
    """One listening socket as the daemon sees it (`close()`, `wait_closed()`)."""

    def __init__(self, server: asyncio.AbstractServer, imap: ImapServer) -> None:
        self._server = server
        self._imap = imap
        self._closed = False
        imap.listener_started()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.close()
        self._imap.listener_closed()

    async def wait_closed(self) -> None:
        await self._server.wait_closed()
        await self._imap.wait_sessions()


async def start_servers(options: DaemonOptions) -> list[BoundServer]:
    """Start the enabled IMAP listeners (see the module docstring)."""
    config = ImapConfig.from_settings()
    wants_tls = DaemonOptions.enabled(options.imap_port) or DaemonOptions.enabled(
        options.imaps_port
    )
    context = tls.server_context() if wants_tls else None
    if context is not None:
        _lean_tls_buffers()
    imap = ImapServer(config, context)
    await imap.check_cram_md5()
    loop = asyncio.get_running_loop()
    bound: list[BoundServer] = []
    try:
        for name, tls_on, starttls in (
            ("imap", False, True),
            ("imaps", True, False),
            ("imap-unix", False, False),
        ):
            spec = options.listener(name)
            if spec is None:
                continue
            sock = listening_socket(spec)
            server = await loop.create_server(
                imap.protocol_factory(tls=tls_on, starttls=starttls),
                sock=sock,
                ssl=context if tls_on else None,
            )
            address, port = address_of(sock)
            bound.append(BoundServer(name, address, port, _Listener(server, imap)))
    except BaseException:
        for item in bound:
            item.server.close()
        raise
    return bound
