"""Content-Transfer-Encoding decoding (RFC 2045 6), lenient about damaged data.

Dovecot refuses BINARY on damaged base64 ("[PARSE] Invalid data in MIME part"); here damaged
base64 decodes as far as it can, because SEARCH and BINARY are more useful with the readable part
of a message than with nothing. Only an encoding we do not know yields None (UNKNOWN-CTE).
"""

from __future__ import annotations

import binascii

IDENTITY_ENCODINGS = frozenset({"7bit", "8bit", "binary"})
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_BASE64_ALPHABET)))


def _base64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        pass
    cleaned = data.translate(None, _NOT_BASE64)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))


def decode_transfer(data: bytes, encoding: str) -> bytes | None:
    """Decode `data` sent in `encoding` (lower-case token); None when the encoding is unknown."""
    if encoding in IDENTITY_ENCODINGS:
        return data
    if encoding == "base64":
        return _base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    return None
