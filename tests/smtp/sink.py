"""A test smarthost: an aiosmtpd server on a free loopback port, in its own thread and loop,
that records what it receives and answers as a test tells it to."""

from __future__ import annotations

import asyncio
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    content: bytes
    login: str | None
    tls: bool


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    # Replies for RCPT of given addresses (default 250), and for the next DATA commands.
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        reply = self.rcpt_replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.data_replies:
            reply = self.data_replies.pop(0)
            if not reply.startswith("250"):
                return reply
        login = session.auth_data.login.decode() if session.authenticated else None
        self.received.append(
            Received(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                content=envelope.original_content,
                login=login,
                tls=session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
            )
        )
        return "250 2.0.0 Queued"


def _accept(user: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    return authenticator


class Sink:
    def __init__(
        self,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.handler = SinkHandler()
        self.port = 0
        self._starttls, self._implicit = starttls, implicit_tls
        self._credentials = credentials
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _factory(self) -> SMTP:
        assert self._loop is not None
        options: dict[str, Any] = {"tls_context": self._starttls, "loop": self._loop}
        if self._credentials is not None:
            options.update(
                authenticator=_accept(*self._credentials),
                auth_require_tls=self._starttls is not None,
            )
        return SMTP(self.handler, hostname="smarthost.test", **options)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(
            loop.create_server(self._factory, "127.0.0.1", 0, ssl=self._implicit)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    def __enter__(self) -> Sink:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
