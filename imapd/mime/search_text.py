"""The text SEARCH BODY, TEXT and HEADER look at (RFC 3501 6.4.4), decoded as Dovecot does.

- BODY: the bodies of text/* parts (message/rfc822 parts included), with their transfer encoding
  and charset decoded; HTML is searched as written. Other parts, multipart preambles and
  epilogues, and every header are not searched.
- TEXT: the same plus every header (the message's, the MIME headers of the parts and those of
  encapsulated messages), with RFC 2047 encoded-words decoded.
- HEADER: the fields of the message header only, decoded; an empty string matches any field
  that is present.
Matching is case-insensitive by Unicode case folding, and a match never spans two parts.
"""

from __future__ import annotations

from collections.abc import Iterator

from imapd.mime.charsets import decode_text
from imapd.mime.structure import Part, parse_header, parse_message
from imapd.mime.transfer_encoding import decode_transfer


def _header_text(part: Part) -> str:
    return "\n".join(f"{field.name}: {field.decoded()}" for field in part.fields)


def _body_text(raw: bytes, part: Part) -> str:
    body = raw[part.body_start : part.body_end]
    decoded = decode_transfer(body, part.content.encoding_key)
    return decode_text(body if decoded is None else decoded, part.content.param("charset"))


def iter_search_texts(raw: bytes, *, headers: bool) -> Iterator[str]:
    """The searchable chunks of a message, one per header block and text body."""
    stack = [parse_message(raw)]
    while stack:
        part = stack.pop()
        if headers and part.fields:
            yield _header_text(part)
        if part.children is not None:
            stack.extend(reversed(part.children))
        elif part.message is not None:
            stack.append(part.message)
        elif part.content.is_text and part.body_end > part.body_start:
            yield _body_text(raw, part)


def search_text(raw: bytes, *, headers: bool = True) -> str:
    """All searchable text of a message (for TEXT; headers=False gives the BODY text)."""
    return "\n".join(iter_search_texts(raw, headers=headers))


def _contains(chunks: Iterator[str], needle: str) -> bool:
    wanted = needle.casefold()
    return any(wanted in chunk.casefold() for chunk in chunks)


def body_contains(raw: bytes, needle: str) -> bool:
    """SEARCH BODY."""
    return _contains(iter_search_texts(raw, headers=False), needle)


def text_contains(raw: bytes, needle: str) -> bool:
    """SEARCH TEXT."""
    return _contains(iter_search_texts(raw, headers=True), needle)


def header_contains(raw: bytes, field_name: str, needle: str) -> bool:
    """SEARCH HEADER field-name string (also FROM, TO, CC, BCC, SUBJECT)."""
    key = field_name.lower()
    wanted = needle.casefold()
    fields = parse_header(raw)
    return any(field.key == key and wanted in field.decoded().casefold() for field in fields)
