"""The IMAP session: one per connection, the state machine of RFC 3501 3 (not authenticated,
authenticated, selected, logout), reading commands and running one handler per command.

Commands run one after another (a pipelining client's next command waits in the connection's
buffer), so no FETCH, STORE or SEARCH ever runs while this session reports an expunge
(RFC 2180 4.1). After each command in the selected state, and during IDLE, the selected
mailbox's `updates()` reports other sessions' changes before the tagged response.

Handlers live in `imapd.imap.handlers`, one per command; each returns a `Reply` (or None when
it wrote its own tagged response, as LOGOUT and STARTTLS do).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from imapd.crypto.keyring import Keyring
from imapd.crypto.maintenance import keys_maintain
from imapd.imap import capabilities, responses
from imapd.imap.auth import AccountRef
from imapd.imap.backend import Backend, run_writing
from imapd.imap.commands import Command, FetchCommand, SearchCommand, StoreCommand
from imapd.imap.config import SERVER_NAME, ImapConfig
from imapd.imap.connection import (
    ConnectionClosed,
    InactivityTimeout,
    LineTooLongError,
)
from imapd.imap.errors import ParseError
from imapd.imap.framing import (
    AssembledCommand,
    CommandAssembler,
    FramingError,
    LiteralTooBig,
    extract_tag,
)
from imapd.imap.handlers import HANDLERS
from imapd.imap.parser import parse_command, parse_sasl_response
from imapd.imap.reply import Reply, refused
from imapd.imap.selected import MailboxGone, SelectedMailbox
from imapd.imap.states import State, state_error
from mailplatform.errors import ServiceError

if TYPE_CHECKING:
    from imapd.imap.connection import Connection
    from imapd.imap.server import ImapServer

log = logging.getLogger(__name__)

FLUSH_AT = 65536


class Session:
    __slots__ = (
        "_out",
        "_out_size",
        "account",
        "assembler",
        "backend",
        "bad_count",
        "condstore",
        "config",
        "conn",
        "key_maintenance",
        "qresync",
        "selected",
        "server",
        "starttls",
        "state",
    )

    def __init__(self, server: ImapServer, conn: Connection, *, starttls: bool) -> None:
        self.server = server
        self.conn = conn
        # Whether this listener offers STARTTLS (the plain TCP one does).
        self.starttls = starttls
        self.config: ImapConfig = server.config
        self.state = State.NOT_AUTHENTICATED
        self.account: AccountRef | None = None
        self.backend: Backend | None = None
        self.selected: SelectedMailbox | None = None
        self.assembler = CommandAssembler(
            max_line_length=self.config.max_line_length,
            max_literal_size=self.config.max_literal_size,
            max_command_size=self.config.max_command_size,
        )
        self.bad_count = 0
        self.condstore = False
        self.qresync = False
        self.key_maintenance: asyncio.Task[None] | None = None
        self._out: list[bytes] = []
        self._out_size = 0

    # -- output ------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self._out.append(data)
        self._out_size += len(data)
        if self._out_size >= FLUSH_AT:
            self._write_out()

    def send_all(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.send(line)

    def _write_out(self) -> None:
        if self._out:
            data = self._out[0] if len(self._out) == 1 else b"".join(self._out)
            self._out.clear()
            self._out_size = 0
            self.conn.write(data)

    async def flush(self) -> None:
        """Write what is pending and wait until the socket takes it (flow control)."""
        self._write_out()
        await self.conn.drain()

    def bye(self, text: str, code: responses.ResponseCode | str | None = None) -> None:
        self.send(responses.untagged_status("BYE", text, code))
        self._write_out()
        self.state = State.LOGOUT

    # -- state -------------------------------------------------------------------------------

    @property
    def plaintext_auth_allowed(self) -> bool:
        """RFC 3501 6.2.3 / Dovecot: passwords only over TLS or from this machine."""
        return self.conn.tls or self.conn.local or self.config.allow_plaintext_auth

    def capabilities(self) -> list[str]:
        if self.state in (State.NOT_AUTHENTICATED, State.LOGOUT):
            return capabilities.not_authenticated(
                can_starttls=self.can_starttls,
                plaintext_ok=self.plaintext_auth_allowed,
                cram_md5=self.server.cram_md5,
            )
        return capabilities.authenticated()

    @property
    def can_starttls(self) -> bool:
        return self.starttls and not self.conn.tls and self.server.tls_context is not None

    @property
    def idle_timeout(self) -> float:
        if self.state is State.NOT_AUTHENTICATED:
            return self.config.timeout_not_authenticated
        return self.config.timeout_authenticated

    def require_backend(self) -> Backend:
        assert self.backend is not None, "handler ran before login"
        return self.backend

    def require_selected(self) -> SelectedMailbox:
        assert self.selected is not None, "handler ran without a selected mailbox"
        return self.selected

    def log_in(self, account: AccountRef, keyring: Keyring | None = None) -> Reply:
        """The credentials were right: enter the authenticated state (RFC 3501 6.2.2/6.2.3),
        unless the account has too many connections already."""
        if not self.server.connection_opened(account.id):
            if keyring is not None:
                keyring.forget()
            return Reply("NO", "Too many connections for this account.", "LIMIT")
        self.account = account
        self.backend = Backend(account, keyring)
        self.state = State.AUTHENTICATED
        if keyring:
            # Only a session holds the private keys: it settles and rotates them meanwhile
            # (imapd.crypto.maintenance), between its own commands.
            self.key_maintenance = asyncio.get_running_loop().create_task(
                keys_maintain(account_id=account.id, keyring=keyring, run=run_writing)
            )
        log.info("imap login %s from %s", account.address, self.conn.peer or "local")
        return Reply("OK", "Logged in", responses.capability_code(self.capabilities()))

    def select(self, mailbox: SelectedMailbox | None) -> None:
        """Make `mailbox` the selected one (None: back to the authenticated state)."""
        if self.selected is not None:
            self.selected.close()
        self.selected = mailbox
        if mailbox is not None:
            mailbox.listen(asyncio.get_running_loop())
            self.state = State.SELECTED
        elif self.state is State.SELECTED:
            self.state = State.AUTHENTICATED

    def enable_condstore(self) -> None:
        """RFC 7162 3.1: a CONDSTORE-enabling command was used; tell the client the mailbox's
        HIGHESTMODSEQ the first time."""
        if self.condstore:
            return
        self.condstore = True
        if self.selected is not None:
            self.send(
                responses.untagged_status(
                    "OK", "Highest", responses.highest_modseq_code(self.selected.modseq)
                )
            )

    # -- reading commands --------------------------------------------------------------------

    async def read_command(self) -> Command | None:
        """The next command, or None after answering a line that was not one."""
        timeout = self.idle_timeout
        while True:
            try:
                line = await self.conn.read_line(self.config.max_line_length + 2, timeout)
            except LineTooLongError as exc:
                self.assembler.reset()
                self.answer(extract_tag(exc.prefix), "BAD", "Line too long")
                return None
            try:
                result = self.assembler.feed_line(line)
            except FramingError as exc:
                self.framing_error(exc)
                return None
            if isinstance(result, AssembledCommand):
                if result.is_blank:
                    continue
                try:
                    return parse_command(result)
                except ParseError as exc:
                    self.answer(exc.tag, exc.status, exc.message, exc.code)
                    return None
            if result.discard:
                await self.conn.skip_exactly(result.size, timeout)
                self.assembler.skip_literal()
                continue
            if result.synchronising:
                self.send(b"+ OK\r\n")
                await self.flush()
            self.assembler.feed_literal(await self.conn.read_exactly(result.size, timeout))

    def framing_error(self, exc: FramingError) -> None:
        if isinstance(exc, LiteralTooBig) and exc.fatal:
            self.bye("Literal too big.", "TOOBIG")
            return
        self.answer(exc.tag, exc.status, exc.message, exc.code)

    def answer(
        self,
        tag: str | None,
        status: str,
        text: str,
        code: responses.ResponseCode | str | None = None,
    ) -> None:
        """Send a tagged response (`* BAD` without a tag), counting consecutive BADs."""
        if tag is None:
            self.send(responses.untagged_status("BAD", text, code))
        else:
            self.send(responses.tagged(tag, status, text, code))
        if status != "BAD":
            self.bad_count = 0
            return
        self.bad_count += 1
        if self.bad_count >= self.config.max_bad_commands:
            self.bye("Too many invalid IMAP commands.")

    async def sasl_exchange(self, tag: str, challenge: bytes) -> bytes | None:
        """One AUTHENTICATE round (RFC 3501 6.2.2): send a challenge, read the answer.
        None: the client cancelled with `*`. Raises ParseError on invalid base64."""
        self.send(responses.continuation_base64(challenge))
        await self.flush()
        try:
            line = await self.conn.read_line(self.config.max_line_length + 2, self.idle_timeout)
        except LineTooLongError:
            raise ParseError(tag, "Authentication response too long") from None
        return parse_sasl_response(line, tag)

    # -- running commands --------------------------------------------------------------------

    async def execute(self, command: Command) -> None:
        entry = HANDLERS.get(type(command))
        reply: Reply | None
        if entry is None:
            reply = Reply("BAD", "Command not supported.")
        elif self.state not in entry.states:
            reply = Reply("BAD", state_error(self.state, entry.states))
        else:
            try:
                reply = await entry.handler(self, command)
            except ServiceError as exc:
                reply = refused(exc)
            except ParseError as exc:
                reply = Reply(exc.status, exc.message, exc.code)
            except MailboxGone:
                self.bye("Selected mailbox was deleted, have to disconnect.")
                return
            except (ConnectionClosed, InactivityTimeout):
                raise
            except Exception:
                log.exception("imap %s failed", command.name)
                reply = Reply("NO", "Internal error occurred.", "SERVERBUG")
        if reply is None or self.state is State.LOGOUT:
            return
        if self.selected is not None and reply.status != "BAD":
            try:
                self.send_all(
                    await self.selected.updates(
                        self.require_backend(),
                        expunge_ok=_expunge_ok(command),
                        condstore=self.condstore,
                        qresync=self.qresync,
                    )
                )
            except MailboxGone:
                self.bye("Selected mailbox was deleted, have to disconnect.")
                return
        self.answer(command.tag, reply.status, reply.text, reply.code)

    async def run(self) -> None:
        """Greet, then read and run commands until LOGOUT, BYE, timeout or disconnect."""
        try:
            self.send(
                responses.untagged_status(
                    "OK",
                    f"{SERVER_NAME} ready.",
                    responses.capability_code(self.capabilities()),
                )
            )
            await self.flush()
            while self.state is not State.LOGOUT:
                try:
                    command = await self.read_command()
                    if command is not None:
                        await self.execute(command)
                except InactivityTimeout:
                    self.bye("Disconnected for inactivity.")
                await self.flush()
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("imap session failed")
        finally:
            self.end()

    def shut_down(self) -> None:
        """The daemon is stopping: say goodbye and close (the session's read then ends)."""
        if self.state is not State.LOGOUT:
            self.bye("Server shutting down.")
        self.conn.close()

    def end(self) -> None:
        if self.key_maintenance is not None:
            self.key_maintenance.cancel()
            self.key_maintenance = None
        self.select(None)
        if self.account is not None:
            self.server.connection_closed(self.account.id)
            self.account = None
        if self.backend is not None:
            self.backend.forget_keys()
            self.backend = None
        self.state = State.LOGOUT
        try:
            self._write_out()
        finally:
            self.conn.close()


def _expunge_ok(command: Command) -> bool:
    """RFC 3501 7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH by sequence number."""
    if isinstance(command, FetchCommand | StoreCommand | SearchCommand):
        return command.uid
    return True
