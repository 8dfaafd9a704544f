"""Turning bytes in a declared charset into text, without ever failing.

Mail declares charsets loosely: unknown names, non-text codecs ("base64" as a charset), and
"us-ascii" on bodies that are really UTF-8. Text labelled us-ascii or unlabelled is tried as
UTF-8 first and read as ISO-8859-1 if that fails; a known charset decodes with replacement
characters; an unknown one is treated as unlabelled.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

_ASCII_LABELS = frozenset({"", "us-ascii", "ascii", "us_ascii", "ansi_x3.4-1968", "unknown-8bit"})


@lru_cache(maxsize=256)
def _codec_name(charset: str) -> str | None:
    """The Python codec for a MIME charset name, or None when it is unknown or not a text codec."""
    label = charset.strip().strip("\"'").lower()
    if label in _ASCII_LABELS:
        return None
    try:
        name = codecs.lookup(label).name
        b"x".decode(name, "replace")  # refuses codecs that are not text encodings (base64...)
    except (LookupError, UnicodeError, ValueError):
        return None
    return name


def decode_text(data: bytes, charset: str | None) -> str:
    name = _codec_name(charset) if charset else None
    if name is not None:
        try:
            return data.decode(name, "replace")
        except (UnicodeError, ValueError):  # a few codecs (idna) refuse the "replace" handler
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
