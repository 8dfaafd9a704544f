"""How the part after `{SCHEME}` is encoded: Dovecot's `.b64`/`.base64`/`.hex` suffixes.

A scheme name may carry a suffix that overrides the scheme's own encoding: `{SHA256.HEX}`
holds the digest in hex, `{SHA512-CRYPT.B64}` a crypt string in base64. Decoding yields the raw
bytes the scheme checks against.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")


class Encoding(enum.Enum):
    NONE = "none"
    BASE64 = "base64"
    HEX = "hex"


SUFFIXES: dict[str, Encoding] = {
    "B64": Encoding.BASE64,
    "BASE64": Encoding.BASE64,
    "HEX": Encoding.HEX,
}


def split_suffix(name: str) -> tuple[str, Encoding | None]:
    """`SHA256.HEX` -> (`SHA256`, HEX); a name without a known suffix comes back whole."""
    base, dot, suffix = name.rpartition(".")
    if dot and suffix in SUFFIXES:
        return base, SUFFIXES[suffix]
    return name, None


def decode(text: str, encoding: Encoding) -> bytes | None:
    """The raw bytes of `text`; None when it is not valid in `encoding`."""
    if encoding is Encoding.NONE:
        return text.encode("utf-8")
    if not text.isascii():
        return None
    if encoding is Encoding.HEX:
        return bytes.fromhex(text) if _HEX.fullmatch(text) else None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_fixed_size(text: str, size: int) -> bytes | None:
    """A `size`-byte digest written in hex or in base64, whichever it is.

    Dovecot accepts both when no suffix says which. They cannot be confused: `size` bytes are
    2*size characters in hex and 4*ceil(size/3) in base64, never the same number.
    """
    encoding = Encoding.HEX if len(text) == 2 * size else Encoding.BASE64
    raw = decode(text, encoding)
    return raw if raw is not None and len(raw) == size else None
