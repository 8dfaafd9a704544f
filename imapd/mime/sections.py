"""FETCH BODY[section] (RFC 3501 6.4.5) and BINARY[section] (RFC 3516) contents.

Sections are sliced from the original bytes, so their line ends are those of the message.
Behaviour checked against Dovecot 2.3:
- a part that does not exist yields b"" (Dovecot answers an empty string, not NIL);
- HEADER, HEADER.FIELDS and TEXT of a part that is not message/rfc822 yield b"";
- MIME of part 1 of a single-part message (or of an encapsulated one) is the message header;
- HEADER.FIELDS returns the matching fields in message order, folded lines intact, then a blank
  line (nothing at all when no field matches in a header that has fields but no blank line);
  HEADER returns a header without a final blank line as it is;
- NUL cannot travel in an IMAP4rev1 literal, so BODY[] contents have NUL replaced by 0x80 (as
  Dovecot does); BINARY contents keep NUL, since they are sent as literal8.
"""

from __future__ import annotations

from dataclasses import dataclass

from imapd.mime.headers import line_end_of
from imapd.mime.structure import Part, find_part, parse_message
from imapd.mime.transfer_encoding import IDENTITY_ENCODINGS, decode_transfer

HEADER = "HEADER"
HEADER_FIELDS = "HEADER.FIELDS"
HEADER_FIELDS_NOT = "HEADER.FIELDS.NOT"
MIME = "MIME"
TEXT = "TEXT"
_TEXT_SPECS = frozenset({HEADER, HEADER_FIELDS, HEADER_FIELDS_NOT, MIME, TEXT})


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A section-spec: part numbers (empty for the whole message) and an optional text part.

    `text` is None for the whole part, or "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT",
    "MIME", "TEXT" (any case); `fields` names the header fields of the HEADER.FIELDS forms.
    Invalid combinations (RFC 3501 grammar) raise ValueError, which the parser answers with BAD.
    """

    part: tuple[int, ...] = ()
    text: str | None = None
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.text is not None:
            object.__setattr__(self, "text", self.text.upper())
        if any(number < 1 for number in self.part):
            raise ValueError("section part numbers start at 1")
        if self.text is not None and self.text not in _TEXT_SPECS:
            raise ValueError(f"unknown section text {self.text!r}")
        if self.text == MIME and not self.part:
            raise ValueError("MIME needs a part number")
        if (self.text in (HEADER_FIELDS, HEADER_FIELDS_NOT)) != bool(self.fields):
            raise ValueError("header field names go with HEADER.FIELDS[.NOT] only")


def get_section(raw: bytes, section: SectionSpec) -> bytes:
    """The contents of BODY[section] for the message `raw`."""
    data = _section_bytes(raw, parse_message(raw), section)
    return data.replace(b"\x00", b"\x80") if b"\x00" in data else data


def _section_bytes(raw: bytes, root: Part, section: SectionSpec) -> bytes:
    if not section.part:
        if section.text is None:
            return raw
        return _message_text(raw, root, section)
    part = find_part(root, section.part)
    if part is None:
        return b""
    if section.text is None:
        return raw[part.body_start : part.body_end]
    if section.text == MIME:
        return raw[part.header_start : part.body_start]
    if part.message is None:
        return b""
    return _message_text(raw, part.message, section)


def _message_text(raw: bytes, message: Part, section: SectionSpec) -> bytes:
    if section.text == HEADER:
        return raw[message.header_start : message.body_start]
    if section.text == TEXT:
        return raw[message.body_start : message.body_end]
    wanted = {name.lower() for name in section.fields}
    keep = section.text == HEADER_FIELDS
    eol = line_end_of(message.fields)
    out = bytearray()
    for field in message.fields:
        if (field.key in wanted) == keep:
            out += field.raw
            if not field.raw.endswith(b"\n"):
                out += eol
    # Dovecot ends the answer with a blank line unless nothing matched in a header that has
    # fields but no blank line of its own.
    fields_size = sum(len(field.raw) for field in message.fields)
    has_blank_line = message.body_start - message.header_start > fields_size
    if out or has_blank_line or not message.fields:
        out += eol
    return bytes(out)


def get_binary_section(raw: bytes, part_path: tuple[int, ...]) -> bytes | None:
    """BINARY[part] (RFC 3516): the part's content with its transfer encoding removed.

    None means some encoding is unknown (answer NO [UNKNOWN-CTE]); a missing part is b"".
    For the whole message, a multipart or a message/rfc822 part, every leaf inside is decoded
    and its Content-Transfer-Encoding field rewritten to "binary", as Dovecot does. Damaged
    base64 is decoded as far as possible (Dovecot refuses it with NO [PARSE]).
    """
    root = parse_message(raw)
    if not part_path:
        return _decoded_region(raw, root, 0, len(raw))
    part = find_part(root, part_path)
    if part is None:
        return b""
    if part.children is not None or part.message is not None:
        return _decoded_region(raw, part, part.body_start, part.body_end)
    return decode_transfer(raw[part.body_start : part.body_end], part.content.encoding_key)


def _decoded_region(raw: bytes, part: Part, start: int, end: int) -> bytes | None:
    edits: list[tuple[int, int, bytes]] = []
    if not _collect_decodings(raw, part, edits):
        return None
    if not edits:
        return raw[start:end]
    out = bytearray()
    pos = start
    for edit_start, edit_end, data in edits:  # in message order, never overlapping
        if edit_start < pos or edit_end > end:
            continue
        out += raw[pos:edit_start]
        out += data
        pos = edit_end
    out += raw[pos:end]
    return bytes(out)


def _collect_decodings(raw: bytes, part: Part, edits: list[tuple[int, int, bytes]]) -> bool:
    """Add the edits that decode every leaf under `part`; False on an unknown encoding."""
    if part.children is not None:
        return all(_collect_decodings(raw, child, edits) for child in part.children)
    if part.message is not None:
        return _collect_decodings(raw, part.message, edits)
    encoding = part.content.encoding_key
    if encoding in IDENTITY_ENCODINGS:
        return True
    decoded = decode_transfer(raw[part.body_start : part.body_end], encoding)
    if decoded is None:
        return False
    # Like Dovecot: the encoding field is removed and "binary" declared after the last field.
    offset = part.header_start
    for field in part.fields:
        if field.key == "content-transfer-encoding":
            edits.append((offset, offset + len(field.raw), b""))
        offset += len(field.raw)
    edits.append((offset, offset, b"Content-Transfer-Encoding: binary" + line_end_of(part.fields)))
    edits.append((part.body_start, part.body_end, decoded))
    return True


def binary_size(raw: bytes, part_path: tuple[int, ...]) -> int | None:
    """BINARY.SIZE[part]: the decoded size, None for an unknown encoding."""
    data = get_binary_section(raw, part_path)
    return None if data is None else len(data)


def partial(data: bytes, origin: int, octets: int | None = None) -> bytes:
    """The `<origin.octets>` slice of a section (RFC 3501 6.4.5): empty past the end."""
    if origin >= len(data):
        return b""
    return data[origin:] if octets is None else data[origin : origin + octets]
