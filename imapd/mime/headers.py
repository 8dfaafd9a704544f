"""Header fields as they sit in the raw message, and their conversion to text.

A field keeps its exact original bytes (name, colon, value, folded lines, line end) so that
BODY[HEADER.FIELDS ...] can return it untouched; its value is unfolded only when asked for.

Header bytes become text as UTF-8 when they are valid UTF-8 and as ISO-8859-1 otherwise: raw
8-bit headers are either UTF-8 (RFC 6532) or some legacy single-byte charset, and latin-1 maps
every byte to one code point, so decoding never fails and never invents surrogates (the text must
survive JSON and the database). NUL, which no IMAP string may carry, becomes U+FFFD as in Dovecot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from imapd.mime.encoded_words import decode_encoded_words


@dataclass(frozen=True, slots=True)
class HeaderField:
    name: str  # as written, without the whitespace that may precede the colon
    key: str  # the name lower-cased, for lookups
    raw: bytes  # the whole field exactly as in the message, line end(s) included
    value_offset: int  # index in `raw` just after the colon; len(raw) when there is no colon

    def value_bytes(self) -> bytes:
        """The unfolded value: leading blanks dropped, CR and LF removed, inner blanks kept."""
        return self.raw[self.value_offset :].replace(b"\r", b"").replace(b"\n", b"").lstrip(b" \t")

    def value(self) -> str:
        return header_text(self.value_bytes())

    def decoded(self) -> str:
        """The value as a reader sees it: unfolded, RFC 2047 encoded-words decoded."""
        return decode_encoded_words(self.value())


def header_text(data: bytes) -> str:
    """Decode raw header bytes: UTF-8 if valid, else ISO-8859-1; NUL becomes U+FFFD."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def make_field(raw: bytes) -> HeaderField:
    """Build a field from its raw bytes; a line without a colon is a field with no value."""
    first_line_end = raw.find(b"\n")
    colon = raw.find(b":", 0, len(raw) if first_line_end < 0 else first_line_end)
    if colon < 0:
        name = raw.rstrip(b"\r\n").strip(b" \t").decode("latin-1")
        return HeaderField(name, name.lower(), raw, len(raw))
    name = raw[:colon].rstrip(b" \t").decode("latin-1")
    return HeaderField(name, name.lower(), raw, colon + 1)


def first_field(fields: Iterable[HeaderField], key: str) -> HeaderField | None:
    for field in fields:
        if field.key == key:
            return field
    return None


def line_end_of(fields: list[HeaderField]) -> bytes:
    """The line end the header block uses (CRLF unless its first field ends with a bare LF)."""
    if fields and fields[0].raw.endswith(b"\n") and not fields[0].raw.endswith(b"\r\n"):
        return b"\n"
    return b"\r\n"
