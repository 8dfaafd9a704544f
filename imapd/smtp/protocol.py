"""What every listener here adds to aiosmtpd's SMTP protocol.

- DATA is read here rather than by aiosmtpd: lines of any length are kept (aiosmtpd refuses
  lines over 1000 octets, which real mail has), the size limit answers `552 5.3.4` after the
  data has been read (RFC 5321 4.2.5), and the handler may answer with several replies (LMTP
  gives one per recipient, RFC 2033 4.2).
- SIZE is advertised and checked here (with an enhanced status code), with PIPELINING
  (aiosmtpd reads pipelined commands in order) and ENHANCEDSTATUSCODES.
- The Received field's protocol keyword (RFC 3848) comes from the connection's TLS and AUTH.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import ssl
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError
from functools import partial
from typing import Any, ClassVar

from aiosmtpd.smtp import SMTP, Envelope, Session, syntax
from django.conf import settings

from imapd.orm_pool import run_orm
from imapd.smtp import replies
from imapd.smtp.bounces import bounce_send
from imapd.smtp.delivery import Arrival, EnvelopeDelivery, RecipientCheck
from imapd.smtp.delivery_worker import worker
from imapd.smtp.dsn import FailedRecipient

log = logging.getLogger(__name__)

# Pieces of DATA are read at most this long; longer lines arrive in several pieces.
_READ_LIMIT = 64 * 1024

# The path nearly every MTA and client sends: `<dot-atom@domain>`, nothing quoted, no source
# route, no address literal, ASCII. It is taken as it is; anything else goes to the full
# RFC 5322 parser, which gives the same address for these (tests/smtp/test_protocol.py).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_SIMPLE_PATH = re.compile(rf"<({_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>")


class MailEnvelope(Envelope):
    """aiosmtpd's envelope plus what RCPT resolved for each accepted recipient."""

    def __init__(self) -> None:
        super().__init__()
        self.checks: list[RecipientCheck] = []

    @property
    def sender(self) -> str:
        """The reverse-path, "" for the null sender (aiosmtpd keeps it as "<>")."""
        return "" if self.mail_from in (None, "<>") else str(self.mail_from)


class MailSession(Session):
    """aiosmtpd's session without the deprecation warning it logs on every AUTH."""

    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


def is_loopback(peer: object) -> bool:
    """Whether a peer (aiosmtpd's `session.peer`) is this machine: loopback or a unix socket."""
    if not isinstance(peer, tuple | list):
        return True  # unix socket: peername is "" or a path
    try:
        address = ipaddress.ip_address(str(peer[0]).split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class MailServer(SMTP):
    """One connection of a listener; `handler` holds the listener's policy."""

    keyword: ClassVar[str] = "ESMTP"  # the Received field's base protocol keyword
    offers_auth: ClassVar[bool] = False

    def __init__(
        self,
        handler: Any,
        *,
        loop: asyncio.AbstractEventLoop,
        tls_context: ssl.SSLContext | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            handler,
            data_size_limit=None,  # checked here, with enhanced status codes
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=settings.MAIL_HOSTNAME,
            ident="ready",
            tls_context=tls_context,
            auth_exclude_mechanism=() if self.offers_auth else ("LOGIN", "PLAIN"),
            loop=loop,
            **options,
        )
        self._idle_deadline = 0.0  # see `_reset_timeout`

    def _create_session(self) -> Session:
        return MailSession(self.loop)

    def _create_envelope(self) -> Envelope:
        return MailEnvelope()

    @property
    def uses_tls(self) -> bool:
        return self.transport is not None and (
            self.transport.get_extra_info("ssl_object") is not None
        )

    @property
    def peer_ip(self) -> str | None:
        peer = self.session.peer if self.session is not None else None
        return str(peer[0]) if isinstance(peer, tuple | list) else None

    def received_with(self) -> str:
        """RFC 3848: ESMTP, ESMTPS, ESMTPA, ESMTPSA (and LMTP's equivalents)."""
        authenticated = self.session is not None and bool(self.session.authenticated)
        return self.keyword + ("S" if self.uses_tls else "") + ("A" if authenticated else "")

    def arrival(self, envelope: MailEnvelope) -> Arrival:
        assert self.session is not None
        return Arrival(
            sender=envelope.sender,
            protocol=self.received_with(),
            helo=self.session.host_name or "",
            peer=self.peer_ip,
        )

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's parse of MAIL's and RCPT's address, without the typing class it defines
        on every call, and with a quick path for the usual `<user@domain>`: the full parser
        took a tenth of the daemon's time holding the GIL (py-spy --gil on
        bench/lmtp_delivery.py)."""
        if not arg:
            return "", ""
        simple = _SIMPLE_PATH.match(arg)
        rest = arg[simple.end() :].lstrip(" \t") if simple is not None else ""
        if simple is not None and not rest.startswith("("):  # a comment: the full parser
            addr = simple.group(1)
        else:
            try:
                parse = get_angle_addr if arg.lstrip().startswith("<") else get_addr_spec
                address, rest = parse(arg)
            except HeaderParseError:
                return None, None
            addr = str(address.addr_spec)
        if self.local_part_limit and len(addr.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return addr, rest

    def _reset_timeout(self, duration: float | None = None) -> None:
        """aiosmtpd's idle timeout, moved on without a new timer at every command and every
        piece of DATA (a new timer and a cancelled one each time cost the event loop several
        percent of its time under load): one timer, which on firing early sets itself again
        for the deadline as it is by then."""
        deadline = self.loop.time() + (duration or self._timeout_duration)
        self._idle_deadline = deadline
        handle = self._timeout_handle
        if handle is None or handle.cancelled() or handle.when() > deadline:
            if handle is not None:
                handle.cancel()
            self._timeout_handle = self.loop.call_at(deadline, self._idle_check)

    def _idle_check(self) -> None:
        if self.loop.time() >= self._idle_deadline:
            self._timeout_cb()
        else:
            self._timeout_handle = self.loop.call_at(self._idle_deadline, self._idle_check)

    async def smtp_AUTH(self, arg: str) -> None:
        if not self.offers_auth:
            await self.push("502 5.5.1 AUTH is not available here")
            return
        await super().smtp_AUTH(arg)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        """RFC 5321 4.1.1.4 DATA; the replies come from the handler's `message_replies`."""
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        envelope = self.envelope
        assert isinstance(envelope, MailEnvelope)
        if not envelope.rcpt_tos:
            await self.push("503 5.5.1 Error: need RCPT command")
            return
        if arg:
            await self.push("501 5.5.4 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        content = await self._read_data(settings.MAX_MESSAGE_SIZE)
        self._set_post_data_state()
        for reply in await self.event_handler.message_replies(self, envelope, content):
            await self.push(reply)

    async def _read_data(self, limit: int) -> bytes | None:
        """The message up to the lone dot, dot-unstuffed (RFC 5321 4.5.2); None when it is
        longer than `limit` (read to the end all the same, keeping nothing).

        Read in large pieces, not line by line: the stream is searched for LF followed by a
        dot, which after a CR starts the end marker or a stuffed line; everything between is
        taken as it is (a dot after a bare LF is data, as before). Nothing after the end
        marker is read: a pipelining client may have sent its next command already.
        """
        data = bytearray()
        kept = True
        tail = b""  # the last byte read before the current piece

        def keep(piece: bytes) -> None:
            nonlocal kept
            if kept and len(data) + len(piece) > limit:
                kept = False
                data.clear()
            if kept:
                data.extend(piece)

        at_line_start = True  # the data starts a line
        while True:
            dot = False
            if at_line_start:
                tail = await self._read_exactly(1)
                dot = tail == b"."
                if not dot:
                    keep(tail)
            if not dot:
                piece = await self._read_until(b"\n.")
                keep(piece[:-1])
                dot = (piece[-3:-2] if len(piece) >= 3 else tail) == b"\r"
                tail = b"."
                if not dot:  # a dot after a bare LF is data
                    keep(tail)
                    at_line_start = False
                    continue
            # A dot starts the line: the end marker, or a stuffed line that loses the dot.
            rest = await self._read_until(b"\r\n")
            if rest == b"\r\n":
                return bytes(data) if kept else None
            keep(rest)
            at_line_start = True

    async def _read_exactly(self, count: int) -> bytes:
        try:
            return await self._reader.readexactly(count)
        except asyncio.IncompleteReadError as error:
            raise ConnectionResetError("connection closed during DATA") from error

    async def _read_until(self, separator: bytes) -> bytes:
        """Bytes up to and including `separator`, however long (the stream buffer is not)."""
        reader = self._reader
        pieces: list[bytes] = []
        while True:
            try:
                pieces.append(await reader.readuntil(separator))
            except asyncio.LimitOverrunError as overrun:
                piece = await reader.read(overrun.consumed)
                if not piece:
                    raise ConnectionResetError("connection closed during DATA") from None
                pieces.append(piece)
                self._reset_timeout()
                continue
            except asyncio.IncompleteReadError as error:
                raise ConnectionResetError("connection closed during DATA") from error
            self._reset_timeout()
            return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    # aiosmtpd sizes its stream buffer from this; DATA reads past it in pieces.
    line_length_limit = _READ_LIMIT


class MailHandler:
    """The policy of a listener, shared by its connections (aiosmtpd's handler object)."""

    async def handle_EHLO(
        self,
        server: MailServer,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """RFC 1869 EHLO (and RFC 2033 LHLO): aiosmtpd's list, with SIZE (RFC 1870),
        PIPELINING (RFC 2920) and ENHANCEDSTATUSCODES (RFC 2034) added."""
        session.host_name = hostname
        extra = [
            f"250-SIZE {settings.MAX_MESSAGE_SIZE}",
            "250-PIPELINING",
            "250-ENHANCEDSTATUSCODES",
        ]
        kept = [r for r in responses[1:] if server.offers_auth or not r[4:].startswith("AUTH")]
        return [responses[0], *extra, *kept]

    async def handle_MAIL(
        self,
        server: MailServer,
        session: Session,
        envelope: MailEnvelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """RFC 5321 4.1.1.2 MAIL, with RFC 1870's SIZE= checked against MAX_MESSAGE_SIZE."""
        for option in mail_options:
            name, _, value = option.partition("=")
            if name == "SIZE" and value.isdigit() and int(value) > settings.MAX_MESSAGE_SIZE:
                return str(replies.TOO_BIG)
        refusal = await self.sender_refusal(server, session, address)
        if refusal is not None:
            return str(refusal)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return str(replies.SENDER_OK)

    async def handle_RCPT(
        self,
        server: MailServer,
        session: Session,
        envelope: MailEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """RFC 5321 4.1.1.3 RCPT: the listener's `recipient` decides."""
        if len(envelope.rcpt_tos) >= settings.SMTP_MAX_RECIPIENTS:
            return str(replies.TOO_MANY_RECIPIENTS)
        check = await self.recipient(server, session, address)
        if check.accepted:
            envelope.rcpt_tos.append(address)
            envelope.checks.append(check)
        return str(check.reply)

    async def handle_exception(self, error: Exception) -> str:
        log.exception("mail session failed", exc_info=error)
        return str(replies.TEMPORARY_FAILURE)

    async def sender_refusal(
        self, server: MailServer, session: Session, address: str
    ) -> replies.Reply | None:
        return None

    async def recipient(self, server: MailServer, session: Session, address: str) -> RecipientCheck:
        raise NotImplementedError

    async def message_replies(
        self, server: MailServer, envelope: MailEnvelope, content: bytes | None
    ) -> list[str]:
        raise NotImplementedError


class SingleReplyHandler(MailHandler):
    """SMTP's DATA has one reply for all recipients (RFC 5321 4.1.1.4): the message is
    accepted when any recipient got it, and the sender is sent a bounce for the others (a
    retry would duplicate the delivered copies); refused with the failure when none did."""

    def submitter_id(self, server: MailServer) -> int | None:
        return None

    async def accepted(self, server: MailServer, envelope: MailEnvelope) -> None:
        """Called once a message is accepted."""

    async def message_replies(
        self, server: MailServer, envelope: MailEnvelope, content: bytes | None
    ) -> list[str]:
        if content is None:
            return [str(replies.TOO_BIG)]
        arrival = server.arrival(envelope)
        outcomes = await worker.deliver(
            partial(
                EnvelopeDelivery.plan,
                raw=content,
                arrival=arrival,
                recipients=envelope.checks,
                submitter_id=self.submitter_id(server),
            )
        )
        failed = [o for o in outcomes if not o.reply.ok]
        if len(failed) == len(outcomes):
            first = next((o.reply for o in failed if o.reply.temporary), failed[0].reply)
            return [str(first)]
        if failed:
            await run_orm(
                bounce_send,
                sender=envelope.sender,
                failures=[FailedRecipient(o.address, o.reply) for o in failed],
                original=content,
                arrival_date=arrival.at,
            )
        await self.accepted(server, envelope)
        return [f"250 2.0.0 Message accepted as {arrival.queue_id}"]
