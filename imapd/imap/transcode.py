"""Stored JSON (envelope, body structure) straight to IMAP syntax, without building the tree.

The store keeps ENVELOPE and BODYSTRUCTURE as compact JSON (`imapd.store.summary`): arrays,
strings, integers and null. For the common case, 7-bit strings whose only escapes are `\\"` and
`\\\\` (which IMAP quoted strings spell the same way), the IMAP form is the JSON text with the
punctuation between strings rewritten: `[`->`(`, `]`->`)`, `,`->space, `null`->NIL. That is
done with C-level string operations, about ten times faster than `json.loads` plus the
generic encoder, which matters for `FETCH 1:* ENVELOPE` on a large mailbox. Anything else
(8-bit text, control characters, other escapes) takes the generic path and becomes literals.
"""

from __future__ import annotations

import json
import re
from typing import Final

from imapd.imap.responses import encode_value

_STRING: Final = re.compile(r'("[^"\\]*(?:\\["\\][^"\\]*)*")')
_OTHER_ESCAPE: Final = re.compile(r'\\[^"\\]')
_PUNCTUATION: Final = str.maketrans({",": " ", "[": "(", "]": ")"})


class _Between(dict[str, str]):
    """The IMAP form of what lies between two strings; few distinct values, so cached."""

    def __missing__(self, text: str) -> str:
        converted = text.replace("null", "NIL").translate(_PUNCTUATION)
        if len(self) < 4096:
            self[text] = converted
        return converted


_between = _Between()


def json_to_imap(text: str) -> bytes:
    """The IMAP encoding of a JSON array of arrays, strings, integers and nulls."""
    if not text.isascii():
        return encode_value(json.loads(text))
    if "\\" not in text:
        # No escapes at all (the usual case): every `"` delimits a string.
        parts = text.split('"')
        parts[0::2] = map(_between.__getitem__, parts[0::2])
        return '"'.join(parts).encode("ascii")
    if _OTHER_ESCAPE.search(text) is None:
        parts = _STRING.split(text)
        parts[0::2] = map(_between.__getitem__, parts[0::2])
        return "".join(parts).encode("ascii")
    return encode_value(json.loads(text))


_BODY_PREFIX: Final = '{"body":'
_STRUCTURE_KEY: Final = ',"bodystructure":'


def structure_parts(text: str) -> tuple[str, str] | None:
    """The BODY and BODYSTRUCTURE JSON texts of a stored structure `{"body":..,
    "bodystructure":..}`, or None when the text is not laid out that way."""
    if not text.startswith(_BODY_PREFIX) or not text.endswith("}"):
        return None
    at = text.find(_STRUCTURE_KEY)
    if at < 0 or text.find(_STRUCTURE_KEY, at + 1) >= 0:
        return None  # absent, or also inside a string: let JSON decide
    return text[len(_BODY_PREFIX) : at], text[at + len(_STRUCTURE_KEY) : -1]


def structure_to_imap(text: str, key: str) -> bytes:
    """BODY (`key` "body") or BODYSTRUCTURE ("bodystructure") from the stored structure."""
    parts = structure_parts(text)
    if parts is None:
        return encode_value(json.loads(text).get(key))
    return json_to_imap(parts[0] if key == "body" else parts[1])
