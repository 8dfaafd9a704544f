"""Mailbox names on the wire: modified UTF-7 (RFC 3501 5.1.3) and the INBOX case rule.

Inside the server a mailbox name is a plain `str`; it is encoded only when it goes out in a
response and decoded as soon as a command is parsed. Decoding is strict (RFC 3501 says the
encoding is canonical), so two spellings never reach the store as two different names.
"""

from __future__ import annotations

import binascii

INBOX = "INBOX"

_DIRECT_MIN = 0x20
_DIRECT_MAX = 0x7E
_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"
_B64_VALUE = {byte: index for index, byte in enumerate(_B64_CHARS)}


class MailboxNameError(ValueError):
    """The text is not valid modified UTF-7."""


def encode_mailbox_name(name: str) -> str:
    """Encode `name` into modified UTF-7: printable ASCII as is, "&" as "&-", the rest base64."""
    if name.isascii() and "&" not in name and name.isprintable():
        return name
    out: list[str] = []
    pending: list[str] = []
    for char in name:
        if _DIRECT_MIN <= ord(char) <= _DIRECT_MAX:
            if pending:
                out.append(_encode_run("".join(pending)))
                pending.clear()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    if pending:
        out.append(_encode_run("".join(pending)))
    return "".join(out)


def _encode_run(run: str) -> str:
    # surrogatepass keeps any lone surrogate from raising; a name holding one cannot have come
    # from decode_mailbox_name, which rejects it, and encoding must never fail mid-response.
    utf16 = run.encode("utf-16-be", "surrogatepass")
    b64 = binascii.b2a_base64(utf16, newline=False).rstrip(b"=")
    return "&" + b64.decode("ascii").replace("/", ",") + "-"


def decode_mailbox_name(raw: str) -> str:
    """Decode modified UTF-7, rejecting every non-canonical or malformed form."""
    if "&" not in raw:
        _check_direct(raw)
        return raw
    out: list[str] = []
    i = 0
    length = len(raw)
    while i < length:
        amp = raw.find("&", i)
        if amp < 0:
            _check_direct(raw[i:])
            out.append(raw[i:])
            break
        _check_direct(raw[i:amp])
        out.append(raw[i:amp])
        dash = raw.find("-", amp + 1)
        if dash < 0:
            raise MailboxNameError("unterminated base64 section")
        if dash == amp + 1:
            out.append("&")
        else:
            out.append(_decode_run(raw[amp + 1 : dash]))
        i = dash + 1
    return "".join(out)


def _check_direct(text: str) -> None:
    for char in text:
        if not _DIRECT_MIN <= ord(char) <= _DIRECT_MAX:
            raise MailboxNameError("mailbox names are 7-bit printable ASCII on the wire")


def _decode_run(b64: str) -> str:
    encoded = b64.encode("ascii", "replace")
    if not all(byte in _B64_VALUE for byte in encoded):
        raise MailboxNameError("invalid character in base64 section")
    # Each base64 character holds 6 bits; a run must end on whole UTF-16 units with less than
    # one character's worth of zero padding bits left over.
    bits = len(encoded) * 6
    if bits % 16 >= 6:
        raise MailboxNameError("base64 section has a partial character")
    padded = encoded.replace(b",", b"/") + b"=" * (-len(encoded) % 4)
    try:
        data = binascii.a2b_base64(padded, strict_mode=True)
    except binascii.Error as exc:
        raise MailboxNameError("invalid base64 section") from exc
    if len(data) % 2:
        raise MailboxNameError("base64 section has a partial character")
    if bits % 16:
        last_value = _B64_VALUE[encoded[-1]]
        if last_value & ((1 << (bits % 16)) - 1):
            raise MailboxNameError("non-zero padding bits in base64 section")
    try:
        text = data.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise MailboxNameError("base64 section is not valid UTF-16") from exc
    if any(_DIRECT_MIN <= ord(char) <= _DIRECT_MAX for char in text):
        raise MailboxNameError("printable ASCII must not be base64 encoded")
    return text


def is_inbox(name: str) -> bool:
    """RFC 3501 5.1: the name INBOX is case-insensitive."""
    return len(name) == 5 and name.upper() == INBOX


def normalise_inbox(name: str, delimiter: str | None = None) -> str:
    """Spell INBOX canonically; with a `delimiter`, also as the first level of a child's name.

    RFC 3501 only makes INBOX itself case-insensitive. Treating `inbox/child` as `INBOX/child`
    (what Dovecot does when INBOX may have children) is the store's decision, hence optional.
    """
    if is_inbox(name):
        return INBOX
    if delimiter is not None and len(delimiter) == 1 and name[:6].upper() == INBOX + delimiter:
        return INBOX + name[5:]
    return name
