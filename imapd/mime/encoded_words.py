"""RFC 2047 encoded-words in header text ("=?charset?B?...?=" and "=?charset?Q?...?=").

Decoding is lenient: bad base64 is decoded as far as it goes, an unknown charset falls back to
UTF-8/latin-1, and whitespace between two adjacent encoded-words is dropped (RFC 2047 6.2).
Consecutive words in the same charset are joined before decoding, because mailers split
multi-byte characters across words.
"""

from __future__ import annotations

import binascii
import re

from imapd.mime.charsets import decode_text

_WORD_RE = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_Q_HEX_RE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _q_decode(text: str) -> bytes:
    data = text.replace("_", " ").encode("latin-1", "replace")
    return _Q_HEX_RE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _b_decode(text: str) -> bytes:
    data = text.rstrip("=")
    data = data[: len(data) - 1] if len(data) % 4 == 1 else data
    try:
        return binascii.a2b_base64(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return b""


def decode_encoded_words(text: str) -> str:
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: bytearray | None = None
    pending_charset = ""
    last_end = 0
    for match in _WORD_RE.finditer(text):
        gap = text[last_end : match.start()]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        raw = _b_decode(match.group(3)) if match.group(2) in "bB" else _q_decode(match.group(3))
        adjacent = pending is not None and not gap.strip()
        if pending is not None and adjacent and charset.lower() == pending_charset.lower():
            pending += raw
        else:
            if pending is not None:
                out.append(decode_text(bytes(pending), pending_charset))
            if not adjacent:
                out.append(gap)
            pending, pending_charset = bytearray(raw), charset
        last_end = match.end()
    if pending is not None:
        out.append(decode_text(bytes(pending), pending_charset))
    out.append(text[last_end:])
    return "".join(out)
