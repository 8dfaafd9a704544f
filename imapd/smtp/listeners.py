"""Starting the mail listeners on the daemon's event loop.

| name         | setting                     | protocol                                       |
|--------------|-----------------------------|------------------------------------------------|
| lmtp         | LMTP_PORT                   | LMTP, for the MTA in front                     |
| lmtp-unix    | LMTP_UNIX_SOCKET            | LMTP on a unix socket                          |
| submission   | SUBMISSION_PORT (587-style) | submission, STARTTLS                           |
| submissions  | SUBMISSIONS_PORT (465-style)| submission, implicit TLS                       |
| smtp         | SMTP_PORT (25; 0 = off)     | inbound SMTP for the local domains, STARTTLS   |
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import stat
from collections.abc import Callable
from pathlib import Path

from imapd.daemon import BoundServer, DaemonOptions
from imapd.smtp.inbound import InboundHandler, InboundServer
from imapd.smtp.lmtp import LmtpHandler, LmtpServer
from imapd.smtp.protocol import MailServer
from imapd.smtp.submission import SubmissionHandler, SubmissionServer
from imapd.tls import server_context

log = logging.getLogger(__name__)

Factory = Callable[[], MailServer]


def _address(server: asyncio.Server) -> tuple[str, int]:
    host, port = server.sockets[0].getsockname()[:2]
    return str(host), int(port)


async def _tcp(
    name: str, factory: Factory, host: str, port: int | None, tls: ssl.SSLContext | None = None
) -> BoundServer:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, host, DaemonOptions.bind_port(port), ssl=tls, reuse_address=True
    )
    bound_host, bound_port = _address(server)
    return BoundServer(
        name=name, address=f"{bound_host}:{bound_port}", port=bound_port, server=server
    )


async def _unix(name: str, factory: Factory, path: str) -> BoundServer:
    socket_path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(socket_path.stat().st_mode):
            socket_path.unlink()  # left by a daemon that did not stop cleanly
    loop = asyncio.get_running_loop()
    server = await loop.create_unix_server(factory, path=os.fspath(socket_path))
    return BoundServer(name=name, address=f"unix:{socket_path}", port=None, server=server)


async def start_servers(options: DaemonOptions) -> list[BoundServer]:
    """Start every enabled mail listener; on any failure none is left running."""
    loop = asyncio.get_running_loop()
    lmtp, submission, inbound = LmtpHandler(), SubmissionHandler(), InboundHandler()
    needs_tls = any(
        DaemonOptions.enabled(p)
        for p in (options.submission_port, options.submissions_port, options.smtp_port)
    )
    tls = server_context() if needs_tls else None

    def lmtp_server() -> MailServer:
        return LmtpServer(lmtp, loop=loop)

    def submission_server() -> MailServer:
        return SubmissionServer(submission, loop=loop, tls_context=tls)

    def submissions_server() -> MailServer:
        return SubmissionServer(submission, loop=loop)  # already TLS: no STARTTLS

    def inbound_server() -> MailServer:
        return InboundServer(inbound, loop=loop, tls_context=tls)

    bound: list[BoundServer] = []
    try:
        if DaemonOptions.enabled(options.lmtp_port):
            bound.append(await _tcp("lmtp", lmtp_server, options.host, options.lmtp_port))
        if options.lmtp_unix_socket:
            bound.append(await _unix("lmtp-unix", lmtp_server, options.lmtp_unix_socket))
        if DaemonOptions.enabled(options.submission_port):
            bound.append(
                await _tcp("submission", submission_server, options.host, options.submission_port)
            )
        if DaemonOptions.enabled(options.submissions_port):
            bound.append(
                await _tcp(
                    "submissions", submissions_server, options.host, options.submissions_port, tls
                )
            )
        if DaemonOptions.enabled(options.smtp_port):
            bound.append(await _tcp("smtp", inbound_server, options.host, options.smtp_port))
    except BaseException:
        for item in bound:
            item.server.close()
        raise
    return bound
