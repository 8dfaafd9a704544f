"""The MIME tree of a raw message as byte offsets, found in one pass and never failing.

Every part records where its header starts, where its body starts and ends, so that sections
are sliced from the original bytes and sizes/line counts are exact. Boundaries are found the way
Dovecot finds them (RFC 2046 5.1.1 plus its leniency): a line is a delimiter when it starts with
"--" followed by one of the boundaries of the enclosing multiparts; when several match, the
longest wins, and the innermost among equals. A missing close-delimiter ends the part at the
next delimiter of an outer multipart, or at the end of the message. The line end before a
delimiter belongs to the delimiter, even when it ends a header directly followed by the delimiter
(such a header is reported without it, while the body of an enclosing message/rfc822 part still
reaches the delimiter: Dovecot's accounting). Only LF ends a line, so CRLF and bare-LF messages
both work.

Hostile nesting is bounded like Dovecot's defaults: below MAX_DEPTH levels and after MAX_PARTS
parts, multiparts and message/rfc822 parts are no longer opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from imapd.mime.headers import HeaderField, first_field, header_text, make_field
from imapd.mime.mime_params import Params, parse_content_type, parse_token

MAX_DEPTH = 100
MAX_PARTS = 10_000

_LF = 0x0A
_CR = 0x0D
_BLANK_BYTES = (0x20, 0x09)
_DASH = 0x2D


@dataclass(frozen=True, slots=True)
class ContentInfo:
    type: str  # as written; the default when the part has no usable Content-Type
    subtype: str
    params: Params
    encoding: str  # Content-Transfer-Encoding as written, "7bit" when absent
    boundary: bytes | None = None  # a multipart boundary, exactly as its bytes are written

    @property
    def key(self) -> str:
        return f"{self.type}/{self.subtype}".lower()

    @property
    def encoding_key(self) -> str:
        return self.encoding.lower()

    @property
    def is_multipart(self) -> bool:
        return self.type.lower() == "multipart"

    @property
    def is_message(self) -> bool:
        return self.key == "message/rfc822"

    @property
    def is_text(self) -> bool:
        return self.type.lower() == "text"

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key.lower() == name:
                return value
        return None


_DEFAULT_TYPE: tuple[str, str, Params] = ("text", "plain", [("charset", "us-ascii")])
_DIGEST_DEFAULT_TYPE: tuple[str, str, Params] = ("message", "rfc822", [])


@dataclass(slots=True, eq=False)
class Part:
    header_start: int
    body_start: int  # the header is raw[header_start:body_start], blank line included
    body_end: int
    fields: list[HeaderField]
    content: ContentInfo
    children: list[Part] | None = None  # the sub-parts of a multipart (possibly none found)
    message: Part | None = None  # the encapsulated message of a message/rfc822 part

    @property
    def size(self) -> int:
        return self.body_end - self.body_start


class _Delimiter(NamedTuple):
    level: int  # index of the matching boundary, 0 = outermost
    start: int  # offset of the "--" that opens the line
    end: int  # offset just after the line end
    close: bool  # a close-delimiter ("--boundary--")


def content_info(fields: list[HeaderField], in_digest: bool) -> ContentInfo:
    """The part's type per RFC 2045 5.2: text/plain; charset=us-ascii unless stated (or
    message/rfc822 inside multipart/digest, RFC 2046 5.1.5). A text type without a charset
    gets charset=us-ascii appended, as Dovecot reports it."""
    cte_field = first_field(fields, "content-transfer-encoding")
    encoding = (parse_token(cte_field.value()) if cte_field else "") or "7bit"
    type_field = first_field(fields, "content-type")
    # Parsed as latin-1 so that every character is one byte of the message: the boundary
    # must match byte for byte; the strings shown to clients are decoded afterwards.
    parsed = parse_content_type(type_field.value_bytes().decode("latin-1")) if type_field else None
    if parsed is None:
        main, sub, defaults = _DIGEST_DEFAULT_TYPE if in_digest else _DEFAULT_TYPE
        return ContentInfo(main, sub, list(defaults), encoding)
    main, sub, raw_params = parsed
    boundary = None
    params: Params = []
    for key, value in raw_params:
        if key.lower() == "boundary" and boundary is None:
            boundary = value.encode("latin-1")
        params.append((_shown(key), _shown(value)))
    if main.lower() == "text" and not any(key.lower() == "charset" for key, _ in params):
        params.append(("charset", "us-ascii"))
    return ContentInfo(_shown(main), _shown(sub), params, encoding, boundary)


def _shown(latin1: str) -> str:
    if latin1.isascii() and "\x00" not in latin1:
        return latin1
    return header_text(latin1.encode("latin-1"))


class _Parser:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.parts = 0

    def delimiter_at(self, start: int, stack: tuple[bytes, ...]) -> _Delimiter | None:
        raw = self.raw
        best, best_len = -1, -1
        for level in range(len(stack) - 1, -1, -1):
            boundary = stack[level]
            if len(boundary) > best_len and raw.startswith(boundary, start + 2):
                best, best_len = level, len(boundary)
        if best < 0:
            return None
        after = start + 2 + best_len
        line_end = raw.find(b"\n", after)
        end = len(raw) if line_end < 0 else line_end + 1
        return _Delimiter(best, start, end, raw.startswith(b"--", after))

    def next_delimiter(self, pos: int, stack: tuple[bytes, ...]) -> _Delimiter | None:
        """The first delimiter line at or after `pos`, which is the start of a line."""
        if not stack:
            return None
        raw = self.raw
        if raw.startswith(b"--", pos):
            found = self.delimiter_at(pos, stack)
            if found is not None:
                return found
        while True:
            hit = raw.find(b"\n--", pos)
            if hit < 0:
                return None
            found = self.delimiter_at(hit + 1, stack)
            if found is not None:
                return found
            pos = hit + 1

    def end_before(self, delimiter: _Delimiter | None, floor: int) -> int:
        if delimiter is None:
            return len(self.raw)
        raw, end = self.raw, delimiter.start
        if end > floor and raw[end - 1] == _LF:
            end -= 1
            if end > floor and raw[end - 1] == _CR:
                end -= 1
        return max(end, floor)

    def header(self, start: int, stack: tuple[bytes, ...]) -> tuple[int, list[HeaderField], bool]:
        """(body start, fields, stopped at a delimiter) for the header that begins at `start`."""
        raw, n = self.raw, len(self.raw)
        fields: list[HeaderField] = []
        pos, field_start = start, -1
        while pos < n:
            line_end = raw.find(b"\n", pos)
            line_end = n if line_end < 0 else line_end + 1
            first = raw[pos]
            if first == _LF or (first == _CR and line_end - pos == 2 and raw[pos + 1] == _LF):
                if field_start >= 0:
                    fields.append(make_field(raw[field_start:pos]))
                return line_end, fields, False
            if first in _BLANK_BYTES and field_start >= 0:
                pos = line_end  # a folded continuation of the current field
                continue
            if stack and first == _DASH and self.delimiter_at(pos, stack) is not None:
                if field_start >= 0:
                    fields.append(make_field(raw[field_start:pos]))
                return pos, fields, True
            if field_start >= 0:
                fields.append(make_field(raw[field_start:pos]))
            field_start, pos = pos, line_end
        if field_start >= 0:
            fields.append(make_field(raw[field_start:n]))
        return n, fields, False

    def part(
        self, start: int, stack: tuple[bytes, ...], depth: int, *, in_digest: bool = False
    ) -> tuple[Part, _Delimiter | None, int]:
        """Parse the part whose header starts at `start`. Returns it, the delimiter (of an
        enclosing multipart) that ended it or None at the end of the message, and the offset
        parsing reached, which is where an enclosing message/rfc822 part's body ends."""
        self.parts += 1
        body_start, fields, at_delimiter = self.header(start, stack)
        info = content_info(fields, in_digest)
        part = Part(start, body_start, body_start, fields, info)
        delimiter: _Delimiter | None
        if at_delimiter:
            delimiter = self.delimiter_at(body_start, stack)
            part.body_start = part.body_end = self.end_before(delimiter, start)
            return part, delimiter, body_start
        can_open = depth < MAX_DEPTH and self.parts < MAX_PARTS
        floor = body_start
        if info.is_multipart:
            part.children = []
            # An empty boundary is one: Dovecot then splits at every line that starts with "--".
            if info.boundary is not None and can_open:
                delimiter, floor = self.multipart(part, (*stack, info.boundary), info, depth)
            else:
                delimiter = self.next_delimiter(body_start, stack)
        elif info.is_message and can_open:
            # Opened whatever its Content-Transfer-Encoding says, as Dovecot does.
            part.message, delimiter, floor = self.part(body_start, stack, depth + 1)
        else:
            delimiter = self.next_delimiter(body_start, stack)
        part.body_end = self.end_before(delimiter, floor) if part.message is None else floor
        if delimiter is not None and delimiter.start == body_start == part.body_end > start:
            # An empty body: the blank line that ended the header is the line end that
            # belongs to the delimiter (Dovecot reports such a header without it).
            part.body_start = part.body_end = self.end_before(delimiter, start)
            return part, delimiter, body_start
        return part, delimiter, part.body_end

    def multipart(
        self, part: Part, stack: tuple[bytes, ...], info: ContentInfo, depth: int
    ) -> tuple[_Delimiter | None, int]:
        """Parse the sub-parts; returns the delimiter that ended the multipart and the offset
        its body cannot end before (after a close-delimiter line, whose line end it keeps)."""
        own = len(stack) - 1
        children: list[Part] = []
        in_digest = info.subtype.lower() == "digest"
        floor = part.body_start
        delimiter = self.next_delimiter(part.body_start, stack)
        while delimiter is not None and delimiter.level == own and not delimiter.close:
            if self.parts >= MAX_PARTS:
                delimiter = self.next_delimiter(delimiter.end, stack[:own])
                break
            child, delimiter, _ = self.part(delimiter.end, stack, depth + 1, in_digest=in_digest)
            children.append(child)
        if delimiter is not None and delimiter.level == own:  # the close-delimiter: epilogue
            floor = delimiter.end
            delimiter = self.next_delimiter(delimiter.end, stack[:own])
        part.children = children
        return delimiter, floor


def parse_message(raw: bytes) -> Part:
    """The root part of `raw`: its header is the message header (RFC 5322)."""
    root, _, _ = _Parser(raw).part(0, (), 0)
    return root


def parse_header(raw: bytes) -> list[HeaderField]:
    """The fields of the message header alone, without looking at the body."""
    _, fields, _ = _Parser(raw).header(0, ())
    return fields


def find_part(root: Part, path: tuple[int, ...]) -> Part | None:
    """The part a section number names (RFC 3501 6.4.5), None when there is none.

    A multipart's n-th number picks its n-th sub-part; a non-multipart accepts only 1, which
    names the part itself (so "1" of a single-part message is its body); going through a
    message/rfc822 part continues in its encapsulated message. As in Dovecot, a leaf reached
    through a multipart also answers to one extra ".1" ("2.1" of a text/plain part 2 is part 2).
    """
    scope: Part | None = root
    found: Part | None = None
    for number in path:
        if scope is None:
            return None
        if scope.children is not None:
            if not 1 <= number <= len(scope.children):
                return None
            found = scope.children[number - 1]
            scope = found.message if found.message is not None else found
        else:
            if number != 1:
                return None
            found, scope = scope, scope.message
    return found
