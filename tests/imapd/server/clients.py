"""Clients for the server tests: imaplib logged in, and `Wire`, a raw line client for what
library clients hide (pipelining, literals, continuations, unsolicited responses)."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from imapd.daemon import DaemonThread

TIMEOUT = 10.0
T = TypeVar("T")
_LITERAL = re.compile(rb"~?\{(\d+)\+?\}\r\n$")


def message(
    subject: str = "Hello",
    *,
    sender: str = "Bob <bob@example.net>",
    to: str = "alice@example.org",
    body: str = "Hi there.\r\n",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jun 2025 10:00:00 +0200\r\nMessage-ID: <{subject.replace(' ', '.')}@x>\r\n"
        f"\r\n{body}"
    ).encode()


def imap(
    daemon: DaemonThread, user: str = "alice@example.org", password: str = ""
) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", daemon.port("imap"), timeout=TIMEOUT)
    if password:
        client.login(user, password)
    return client


def unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Wire:
    """Lines in, lines out; literals in responses are read and kept inline."""

    def __init__(self, sock: socket.socket) -> None:
        sock.settimeout(TIMEOUT)
        self.sock = sock
        self.reader = sock.makefile("rb")

    @classmethod
    def connect(cls, daemon: DaemonThread, name: str = "imap") -> Wire:
        wire = cls(socket.create_connection(("127.0.0.1", daemon.port(name)), timeout=TIMEOUT))
        wire.greeting = wire.line()
        return wire

    greeting: bytes = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes:
        """One response line, with any literals it carries appended."""
        data = self.reader.readline()
        if not data:
            raise ConnectionError("server closed the connection")
        while (match := _LITERAL.search(data)) is not None:
            data += self.reader.read(int(match.group(1)))
            more = self.reader.readline()
            if not more:
                raise ConnectionError("server closed the connection")
            data += more
        return data

    def until(self, tag: bytes) -> list[bytes]:
        """Lines up to and including the tagged response for `tag`."""
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag + b" "):
                return lines

    def command(self, tag: bytes, text: bytes) -> list[bytes]:
        self.send(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def login(self, user: str, password: str) -> list[bytes]:
        return self.command(b"L", f'LOGIN "{user}" "{password}"'.encode())

    def rest(self) -> list[bytes]:
        """Every line until the server closes the connection."""
        lines: list[bytes] = []
        while True:
            try:
                line = self.reader.readline()
            except (ConnectionError, OSError):
                return lines
            if not line:
                return lines
            lines.append(line)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.reader.close()
            self.sock.close()


def tagged(lines: Iterable[bytes]) -> bytes:
    return list(lines)[-1]


def imap_server(daemon: DaemonThread) -> Any:
    """The daemon's ImapServer (shared state of the IMAP listeners)."""
    return daemon.bound["imap"].server._imap


def on_loop(daemon: DaemonThread, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the daemon's event loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coroutine, daemon.loop).result(TIMEOUT)


def found(pattern: bytes, data: bytes) -> re.Match[bytes]:
    """The match of `pattern` in `data`, which must be there."""
    match = re.search(pattern, data)
    assert match is not None, (pattern, data)
    return match
