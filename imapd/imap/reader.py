"""The token level of the command grammar (RFC 3501 9): atoms, strings, literals, numbers.

A `Reader` walks one command's bytes left to right and raises ParseError carrying the
command's tag once it is known. Literal octets are never scanned: `{n}` is followed by
slicing n octets, checked against the boundaries the framing layer recorded when it has them.

Leniency, following Dovecot where the RFC is stricter than real clients:
- several spaces between arguments, and spaces before the end of the line, are accepted;
- quoted strings and astring atoms may carry 8-bit octets (clients send UTF-8 that way);
  command names, tags, flags and keywords stay 7-bit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

from imapd.imap.errors import ParseError
from imapd.imap.sequence import MAX_NUMBER, SequenceSet, SequenceSetError

MAX_NUMBER64 = 9223372036854775807  # RFC 9051 number64 / RFC 7162 mod-sequence-value
MAX_NESTING = 32  # parentheses and NOT/OR chains; deeper input is hostile, not a real client

# ATOM-CHAR is any CHAR except atom-specials: ( ) { SP CTL % * " \ ]
_ATOM7 = re.compile(rb'[^(){ \x00-\x1f\x7f%*"\\\]\x80-\xff]+')
_ASTRING_ATOM = re.compile(rb'[^(){ \x00-\x1f\x7f%*"\\]+')  # ASTRING-CHAR, 8-bit tolerated
_LIST_ATOM = re.compile(rb'[^(){ \x00-\x1f\x7f"\\]+')  # list-char: adds % * to ASTRING-CHAR
TAG = re.compile(rb'[^(){ \x00-\x1f\x7f%*"\\+\x80-\xff]+')  # tag: ASTRING-CHAR except +
_DIGITS = re.compile(rb"[0-9]+")
_SEQUENCE = re.compile(rb"[0-9:,*$]+")
_QUOTED = re.compile(rb'"((?:[^"\\\r\n\x00]|\\["\\])*)"')
_UNESCAPE = re.compile(rb'\\(["\\])')
_LITERAL = re.compile(rb"(~?)\{([0-9]{1,10})(\+?)\}\r?\n")
_END = re.compile(rb" *(?:\r?\n)?")
_HEADER_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]+")  # RFC 5322 field name: printable but ":"
_DATE = re.compile(rb"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")
_DATE_TIME = re.compile(
    rb'"([ 0-9]?[0-9])-([A-Za-z]{3})-([0-9]{4}) '
    rb'([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"'
)
_MONTHS = {
    name: number
    for number, name in enumerate(b"JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)
}


class Reader:
    """A cursor over one command; every method consumes what it returns or raises."""

    __slots__ = ("_depth", "_literals", "data", "end", "pos", "tag")

    def __init__(self, data: bytes, literals: Mapping[int, int] | None = None) -> None:
        self.data = data
        self.end = len(data)
        self.pos = 0
        self.tag: str | None = None
        self._literals = literals
        self._depth = 0

    def fail(self, message: str, *, code: str | None = None, status: str = "BAD") -> ParseError:
        return ParseError(self.tag, message, code=code, status=status)

    # -- position --------------------------------------------------------------------------

    def at_end(self) -> bool:
        if self.pos >= self.end:
            return True
        if self.data[self.pos] not in b" \r\n":
            return False
        match = _END.match(self.data, self.pos)
        return match is not None and match.end() == self.end

    def expect_end(self) -> None:
        if not self.at_end():
            raise self.fail("Unexpected extra arguments")
        self.pos = self.end

    def peek(self) -> int:
        """The next octet, or -1 at the end."""
        return self.data[self.pos] if self.pos < self.end else -1

    def peek_at(self, pos: int) -> int:
        return self.data[pos] if pos < self.end else -1

    def space(self) -> None:
        if self.peek() != 0x20:
            raise self.fail("Missing argument" if self.at_end() else "Expected a space")
        pos = self.pos + 1
        while pos < self.end and self.data[pos] == 0x20:
            pos += 1
        self.pos = pos
        if self.at_end():
            raise self.fail("Missing argument")

    def expect(self, octet: bytes, what: str) -> None:
        if not self.data.startswith(octet, self.pos):
            raise self.fail(f"Expected {what}")
        self.pos += len(octet)

    def open_paren(self) -> None:
        self.expect(b"(", "(")
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise self.fail("Too deeply nested")

    def close_paren(self) -> None:
        self.expect(b")", ")")
        self._depth -= 1

    def try_close_paren(self) -> bool:
        if self.peek() == 0x29:
            self.pos += 1
            self._depth -= 1
            return True
        return False

    def enter(self) -> None:
        """Account for one level of recursion that is not a parenthesis (NOT, OR)."""
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise self.fail("Too deeply nested")

    def leave(self) -> None:
        self._depth -= 1

    def list_separator(self) -> bool:
        """Between list items: True if another item follows, False after the closing paren."""
        if self.try_close_paren():
            return False
        if self.at_end():
            raise self.fail("Missing )")
        self.space()
        # Tolerate a space before the closing parenthesis, as Dovecot does.
        return not self.try_close_paren()

    # -- tokens ----------------------------------------------------------------------------

    def read_tag(self) -> str:
        match = TAG.match(self.data, self.pos)
        if match is None:
            raise self.fail("Missing or invalid tag")
        self.pos = match.end()
        tag = match.group().decode("ascii")
        if self.pos < self.end and self.data[self.pos] not in b" \r\n":
            raise self.fail("Invalid tag")
        self.tag = tag
        return tag

    def atom(self) -> bytes:
        """A 7-bit atom (command names, flags, keywords, options)."""
        match = _ATOM7.match(self.data, self.pos)
        if match is None:
            raise self.fail("Expected an atom")
        self.pos = match.end()
        return match.group()

    def keyword(self) -> str:
        """An atom compared case-insensitively: returned upper-cased."""
        return self.atom().decode("ascii").upper()

    def astring(self) -> bytes:
        octet = self.peek()
        if octet == 0x22 or octet == 0x7B:  # " or {
            return self.string()
        match = _ASTRING_ATOM.match(self.data, self.pos)
        if match is None:
            raise self.fail("Expected a string")
        self.pos = match.end()
        return match.group()

    def list_mailbox(self) -> bytes:
        """A LIST pattern: list-char atoms (with % and *) or a string."""
        octet = self.peek()
        if octet == 0x22 or octet == 0x7B:
            return self.string()
        match = _LIST_ATOM.match(self.data, self.pos)
        if match is None:
            raise self.fail("Expected a mailbox pattern")
        self.pos = match.end()
        return match.group()

    def string(self) -> bytes:
        octet = self.peek()
        if octet == 0x22:
            return self.quoted()
        if octet == 0x7B:
            return self.literal()[0]
        raise self.fail("Expected a quoted string or a literal")

    def is_nil(self) -> bool:
        after = self.pos + 3
        return self.data[self.pos : after].upper() == b"NIL" and (
            after >= self.end or self.data[after] in b" )\r\n"
        )

    def quoted(self) -> bytes:
        match = _QUOTED.match(self.data, self.pos)
        if match is None:
            raise self.fail("Invalid quoted string")
        self.pos = match.end()
        value = match.group(1)
        return _UNESCAPE.sub(rb"\1", value) if b"\\" in value else value

    def literal(self, *, allow_binary: bool = False) -> tuple[bytes, bool]:
        """A literal's octets and whether it was a literal8 (`~{n}`, RFC 3516)."""
        match = _LITERAL.match(self.data, self.pos)
        if match is None:
            raise self.fail("Invalid literal")
        binary = bool(match.group(1))
        if binary and not allow_binary:
            raise self.fail("literal8 is only allowed for message data")
        size = int(match.group(2))
        if size > MAX_NUMBER:
            raise self.fail("Literal too large")
        start = match.end()
        stop = start + size
        if self._literals is not None:
            if self._literals.get(start) != stop:
                raise self.fail("Literal does not match the framing")
        elif stop > self.end:
            raise self.fail("Truncated literal")
        self.pos = stop
        return self.data[start:stop], binary

    def number(self, *, maximum: int = MAX_NUMBER, nonzero: bool = False) -> int:
        match = _DIGITS.match(self.data, self.pos)
        if match is None:
            raise self.fail("Expected a number")
        digits = match.group()
        if len(digits) > 19 or int(digits) > maximum:
            raise self.fail("Number out of range")
        value = int(digits)
        if nonzero and value == 0:
            raise self.fail("Expected a non-zero number")
        self.pos = match.end()
        return value

    def sequence_set(self) -> SequenceSet:
        match = _SEQUENCE.match(self.data, self.pos)
        if match is None:
            raise self.fail("Expected a sequence set")
        try:
            result = SequenceSet.parse(match.group())
        except SequenceSetError as exc:
            raise self.fail(f"Invalid sequence set: {exc}") from None
        self.pos = match.end()
        return result

    def date(self) -> date:
        """RFC 3501 `date`: dd-Mon-yyyy, optionally quoted."""
        quoted = self.peek() == 0x22
        if quoted:
            self.pos += 1
        match = _DATE.match(self.data, self.pos)
        if match is None:
            raise self.fail("Invalid date")
        day, month_name, year = match.groups()
        month = _MONTHS.get(month_name.upper())
        if month is None:
            raise self.fail("Invalid month in date")
        try:
            value = date(int(year), month, int(day))
        except ValueError:
            raise self.fail("Invalid date") from None
        self.pos = match.end()
        if quoted:
            self.expect(b'"', "closing quote of date")
        return value

    def date_time(self) -> datetime:
        """RFC 3501 `date-time` ("dd-Mon-yyyy hh:mm:ss +zzzz"), as an aware datetime.

        A one-digit day without the leading space is accepted too, as Dovecot does.
        """
        match = _DATE_TIME.match(self.data, self.pos)
        if match is None:
            raise self.fail("Invalid date-time")
        day, month_name, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
        month = _MONTHS.get(month_name.upper())
        if month is None or not day.strip():
            raise self.fail("Invalid date-time")
        if int(zone_h) > 23 or int(zone_m) > 59:
            raise self.fail("Invalid time zone")
        offset = timedelta(hours=int(zone_h), minutes=int(zone_m))
        try:
            value = datetime(
                int(year),
                month,
                int(day),
                int(hour),
                int(minute),
                min(int(second), 59),  # a leap second is kept as :59
                tzinfo=timezone(-offset if sign == b"-" else offset),
            )
        except ValueError:
            raise self.fail("Invalid date-time") from None
        self.pos = match.end()
        return value

    def header_name(self) -> str:
        """A header field name given as an astring (SEARCH HEADER, HEADER.FIELDS)."""
        name = self.astring()
        if not _HEADER_NAME.fullmatch(name):
            raise self.fail("Invalid header field name")
        return name.decode("ascii")

    def text(self, raw: bytes, what: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"{what} is not valid UTF-8") from None
