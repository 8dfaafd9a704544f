"""Parsing FETCH data items (RFC 3501 6.4.5 and 9 `fetch-att`, RFC 3516 BINARY)."""

from __future__ import annotations

import re

from imapd.imap.fetch import (
    MACROS,
    SIMPLE_ITEMS,
    BinarySection,
    BinarySize,
    BodySection,
    FetchAttribute,
    FetchItem,
    Partial,
    Section,
    SectionText,
)
from imapd.imap.reader import Reader

_ITEM_NAME = re.compile(rb"[A-Za-z0-9.]+")
_SECTION_WORD = re.compile(rb"[A-Za-z.]+")
_SECTION_TEXTS: dict[str, SectionText] = {
    "HEADER": "HEADER",
    "HEADER.FIELDS": "HEADER.FIELDS",
    "HEADER.FIELDS.NOT": "HEADER.FIELDS.NOT",
    "TEXT": "TEXT",
    "MIME": "MIME",
}


def parse_fetch_attributes(reader: Reader) -> tuple[FetchAttribute, ...]:
    """A macro (ALL, FAST, FULL), one item, or a parenthesised list of items."""
    if reader.peek() == 0x28:
        reader.open_paren()
        attributes = [_attribute(reader)]
        while reader.list_separator():
            attributes.append(_attribute(reader))
        return tuple(dict.fromkeys(attributes))
    start = reader.pos
    match = _ITEM_NAME.match(reader.data, reader.pos)
    if match is not None:
        macro = MACROS.get(match.group().decode("ascii").upper())
        if macro is not None and reader.peek_at(match.end()) != 0x5B:
            reader.pos = match.end()
            return tuple(FetchItem(name) for name in macro)
    reader.pos = start
    return (_attribute(reader),)


def _attribute(reader: Reader) -> FetchAttribute:
    match = _ITEM_NAME.match(reader.data, reader.pos)
    if match is None:
        raise reader.fail("Expected a FETCH data item")
    name = match.group().decode("ascii").upper()
    reader.pos = match.end()
    if reader.peek() != 0x5B:  # [
        if name not in SIMPLE_ITEMS:
            raise reader.fail(f"Unknown FETCH data item {name[:32]}")
        return FetchItem(name)
    reader.pos += 1
    if name in ("BODY", "BODY.PEEK"):
        section = _section(reader)
        return BodySection(section, name == "BODY.PEEK", _partial(reader))
    if name in ("BINARY", "BINARY.PEEK"):
        part = _binary_part(reader)
        return BinarySection(part, name == "BINARY.PEEK", _partial(reader))
    if name == "BINARY.SIZE":
        return BinarySize(_binary_part(reader))
    raise reader.fail(f"FETCH data item {name[:32]} takes no section")


def _part_numbers(reader: Reader) -> tuple[int, ...]:
    """`1.2.3`, stopping before a `.` that introduces section text."""
    numbers: list[int] = []
    while 0x30 <= reader.peek() <= 0x39:
        numbers.append(reader.number(nonzero=True))
        if reader.peek() == 0x2E and 0x30 <= reader.peek_at(reader.pos + 1) <= 0x39:
            reader.pos += 1
    return tuple(numbers)


def _section(reader: Reader) -> Section:
    part = _part_numbers(reader)
    text: SectionText | None = None
    fields: tuple[str, ...] = ()
    text_follows = bool(part) and reader.peek() == 0x2E
    if text_follows:
        reader.pos += 1
    if text_follows or reader.peek() != 0x5D:  # ]
        match = _SECTION_WORD.match(reader.data, reader.pos)
        word = match.group().decode("ascii").upper() if match is not None else ""
        text = _SECTION_TEXTS.get(word)
        if text is None or (text == "MIME" and not part):
            raise reader.fail("Invalid section")
        reader.pos += len(word)
        if text in ("HEADER.FIELDS", "HEADER.FIELDS.NOT"):
            reader.space()
            fields = _header_list(reader)
    reader.expect(b"]", "] to close the section")
    return Section(part, text, fields)


def _header_list(reader: Reader) -> tuple[str, ...]:
    reader.open_paren()
    names = [reader.header_name()]
    while reader.list_separator():
        names.append(reader.header_name())
    return tuple(names)


def _binary_part(reader: Reader) -> tuple[int, ...]:
    part = _part_numbers(reader)
    reader.expect(b"]", "] to close the section")
    return part


def _partial(reader: Reader) -> Partial | None:
    """`<start.length>` (RFC 3501 9 `"<" number "." nz-number ">"`)."""
    if reader.peek() != 0x3C:  # <
        return None
    reader.pos += 1
    start = reader.number()
    reader.expect(b".", ". in partial range")
    length = reader.number(nonzero=True)
    reader.expect(b">", "> to close the partial range")
    return Partial(start, length)
