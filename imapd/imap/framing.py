"""Assembling one command from the lines and literals a client sends (RFC 3501 4.3, 7.5;
RFC 7888 LITERAL+/LITERAL-; RFC 3516 literal8).

The server reads a line (up to LF) and feeds it to a `CommandAssembler`, which answers either
with a `LiteralRequest` (read that many octets, after sending `+ ...` if it is synchronising,
then `feed_literal` them and go on reading lines) or with the complete `AssembledCommand`:
the lines and literal octets joined as on the wire, and where each literal's octets lie, so
the parser slices them out without scanning them.

Limits, and what the server does when they are exceeded:
- a line longer than `max_line_length` raises `LineTooLong` (the server answers BAD, tagged
  when the tag could be read, after skipping the rest of the line);
- a synchronising literal over `max_literal_size` (or one that would take the command past
  `max_command_size`) raises `LiteralTooBig` with status NO and code TOOBIG: the client has
  not sent it yet (it waits for `+`), so the server answers and the connection stays in step;
- a non-synchronising literal that is too big (LITERAL+ past the limits, or past 4096 octets
  with LITERAL-) is already on its way. RFC 7888 lets the server either read and discard it or
  close the connection. We close by default: `LiteralTooBig` comes with `fatal=True` and the
  server sends `* BYE` and hangs up. A server configured with `max_discard_size` instead gets a
  `LiteralRequest` with `discard=True` for literals up to that size: it reads and drops the
  octets (`skip_literal()`), keeps feeding lines, and the command ends with `LiteralTooBig`
  (status BAD) in place of the command, without the socket falling out of step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imapd.imap.reader import TAG

LITERAL_MINUS_MAX = 4096  # RFC 7888 4: the most a LITERAL- client may send without `+`

_LITERAL_MARKER = re.compile(rb"(~?)\{([0-9]+)(\+?)\}\Z")


class FramingError(Exception):
    """A command that cannot be read; `tag` is known when the first line started with one."""

    status = "BAD"
    code: str | None = None

    def __init__(self, tag: str | None, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message
        self.fatal = fatal


class LineTooLong(FramingError):
    pass


class LiteralTooBig(FramingError):
    code = "TOOBIG"

    def __init__(
        self, tag: str | None, size: int, *, synchronising: bool, fatal: bool = False
    ) -> None:
        super().__init__(tag, "Literal too big", fatal=fatal)
        self.size = size
        self.synchronising = synchronising
        # RFC 7889: a refused APPEND literal is NO [TOOBIG]; a non-synchronising one that the
        # client already sent makes the whole command invalid, hence BAD.
        self.status = "NO" if synchronising else "BAD"


@dataclass(frozen=True, slots=True)
class LiteralRequest:
    """The line ended in a literal announcement: read `size` octets next.

    `synchronising`: send a continuation (`+ ...`) first. `binary`: literal8 (`~{n}`).
    `discard`: the literal is too big; read and drop it, then call `skip_literal()`.
    """

    size: int
    synchronising: bool
    binary: bool = False
    discard: bool = False


@dataclass(frozen=True, slots=True)
class AssembledCommand:
    """A whole command: `data` without the final line ending, literals' octets in place.

    `literals` holds (start, stop) offsets of each literal's octets in `data`.
    """

    data: bytes
    literals: tuple[tuple[int, int], ...] = ()
    tag: str | None = None

    @property
    def is_blank(self) -> bool:
        """An empty line: servers usually ignore it rather than answer BAD."""
        return not self.data.strip(b" ")


def extract_tag(line: bytes) -> str | None:
    """The tag at the start of `line`: a valid tag followed by a space or the end of the line."""
    line = line.rstrip(b"\r\n")
    match = TAG.match(line)
    if match is None or line[match.end() : match.end() + 1] not in (b"", b" "):
        return None
    return match.group().decode("ascii")


def is_idle_done(line: bytes) -> bool:
    """RFC 2177: the line that ends IDLE (`DONE`, any case, CRLF or bare LF)."""
    return line.rstrip(b"\r\n").strip(b" ").upper() == b"DONE"


def _literal_marker(line: bytes) -> re.Match[bytes] | None:
    if not line.endswith(b"}"):
        return None
    start = line.rfind(b"{")
    if start > 0 and line[start - 1] == 0x7E:  # ~
        start -= 1
    return _LITERAL_MARKER.match(line, max(start, 0))


class CommandAssembler:
    """Incremental, socket-free assembly of commands; one per connection, reused."""

    def __init__(
        self,
        *,
        max_line_length: int,
        max_literal_size: int,
        max_command_size: int | None = None,
        literal_minus: bool = False,
        max_discard_size: int = 0,
    ) -> None:
        self.max_line_length = max_line_length
        self.max_literal_size = max_literal_size
        self.max_command_size = max_command_size
        self.literal_minus = literal_minus
        self.max_discard_size = max_discard_size
        self.reset()

    def reset(self) -> None:
        """Forget any partly assembled command."""
        self._parts: list[bytes] = []
        self._size = 0
        self._literals: list[tuple[int, int]] = []
        self._tag: str | None = None
        self._pending: LiteralRequest | None = None
        self._rejection: LiteralTooBig | None = None

    @property
    def pending_literal(self) -> LiteralRequest | None:
        """The literal the assembler is waiting for, if any."""
        return self._pending

    @property
    def in_command(self) -> bool:
        """True between the first line of a command and its completion."""
        return bool(self._parts) or self._rejection is not None

    def feed_line(self, line: bytes) -> LiteralRequest | AssembledCommand:
        """Take one line (ending in CRLF or a bare LF, which is accepted the same way)."""
        if self._pending is not None:
            raise RuntimeError("a literal was requested; feed_literal() or skip_literal() first")
        first = not self.in_command
        if line.endswith(b"\r\n"):
            line = line[:-2]
        elif line.endswith(b"\n"):
            line = line[:-1]
        if first:
            self._tag = extract_tag(line)
        if len(line) > self.max_line_length:
            tag = self._tag
            self.reset()
            raise LineTooLong(tag, "Line too long")
        marker = _literal_marker(line)
        if marker is None:
            return self._finish(line)
        return self._announce(line, marker)

    def _announce(self, line: bytes, marker: re.Match[bytes]) -> LiteralRequest:
        binary = bool(marker.group(1))
        synchronising = not marker.group(3)
        digits = marker.group(2)
        size = int(digits) if len(digits) <= 20 else -1
        self._append(line + b"\r\n")
        allowed = self.max_literal_size
        if self.max_command_size is not None:
            allowed = min(allowed, self.max_command_size - self._size)
        if not synchronising and self.literal_minus:
            allowed = min(allowed, LITERAL_MINUS_MAX)
        if 0 <= size <= allowed and self._rejection is None:
            self._pending = LiteralRequest(size, synchronising, binary)
            return self._pending
        tag = self._tag
        if synchronising:
            # The client waits for our `+`: refusing now costs nothing more than this answer.
            self.reset()
            raise LiteralTooBig(tag, size, synchronising=True)
        if 0 <= size <= self.max_discard_size:
            self._rejection = self._rejection or LiteralTooBig(tag, size, synchronising=False)
            self._parts.clear()
            self._literals.clear()
            self._pending = LiteralRequest(size, synchronising, binary, discard=True)
            return self._pending
        self.reset()
        raise LiteralTooBig(tag, size, synchronising=False, fatal=True)

    def feed_literal(self, data: bytes) -> None:
        """Take the octets of the requested literal (exactly its announced size)."""
        pending = self._pending
        if pending is None or pending.discard:
            raise RuntimeError("no literal to feed")
        if len(data) != pending.size:
            raise ValueError(f"expected {pending.size} literal octets, got {len(data)}")
        start = self._size
        self._append(data)
        self._literals.append((start, self._size))
        self._pending = None

    def skip_literal(self) -> None:
        """The server read and dropped a literal announced with `discard=True`."""
        if self._pending is None or not self._pending.discard:
            raise RuntimeError("no literal to skip")
        self._pending = None

    def _append(self, data: bytes) -> None:
        if self._rejection is not None:
            return
        self._parts.append(data)
        self._size += len(data)

    def _finish(self, line: bytes) -> AssembledCommand:
        rejection = self._rejection
        if rejection is not None:
            self.reset()
            raise rejection
        if self.max_command_size is not None and self._size + len(line) > self.max_command_size:
            tag = self._tag
            self.reset()
            raise LineTooLong(tag, "Command too long")
        self._parts.append(line)
        command = AssembledCommand(b"".join(self._parts), tuple(self._literals), self._tag)
        self.reset()
        return command
