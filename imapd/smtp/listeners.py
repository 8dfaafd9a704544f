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
import logging
import ssl
from collections.abc import Callable

from imapd.daemon import BoundServer, DaemonOptions
from imapd.listening import ListenerSpec, address_of, listening_socket
from imapd.smtp.inbound import InboundHandler, InboundServer
from imapd.smtp.lmtp import LmtpHandler, LmtpServer
from imapd.smtp.protocol import MailServer
from imapd.smtp.recipient_cache import recipients
from imapd.smtp.submission import SubmissionHandler, SubmissionServer
from imapd.tls import server_context

log = logging.getLogger(__name__)

Factory = Callable[[], MailServer]


async def _start(
    spec: ListenerSpec, factory: Factory, tls: ssl.SSLContext | None = None
) -> BoundServer:
    loop = asyncio.get_running_loop()
    sock = listening_socket(spec)
    server = await loop.create_server(factory, sock=sock, ssl=tls)
    address, port = address_of(sock)
    return BoundServer(name=spec.name, address=address, port=port, server=server)


async def start_servers(options: DaemonOptions) -> list[BoundServer]:
    """Start every enabled mail listener; on any failure none is left running."""
    loop = asyncio.get_running_loop()
    recipients.listen()  # hears directory changes from the start, not from the first RCPT
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
        for name, factory, implicit_tls in (
            ("lmtp", lmtp_server, None),
            ("lmtp-unix", lmtp_server, None),
            ("submission", submission_server, None),
            ("submissions", submissions_server, tls),
            ("smtp", inbound_server, None),
        ):
            spec = options.listener(name)
            if spec is not None:
                bound.append(await _start(spec, factory, implicit_tls))
    except BaseException:
        for item in bound:
            item.server.close()
        raise
    return bound
