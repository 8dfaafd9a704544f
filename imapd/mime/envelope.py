"""The ENVELOPE of a message header (RFC 3501 7.4.2), as an s-expression tree.

[date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id]: strings are the
unfolded field values as written (encoded-words are not decoded), None when the field is absent.
Like Dovecot, a repeated string field reports its last occurrence and repeated address fields
are concatenated; Sender and Reply-To fall back to From when absent or empty.
"""

from __future__ import annotations

from imapd.mime.addresses import parse_address_list
from imapd.mime.headers import HeaderField

_STRING_SLOTS = {"date": 0, "subject": 1, "in-reply-to": 8, "message-id": 9}
_ADDRESS_SLOTS = {"from": 2, "sender": 3, "reply-to": 4, "to": 5, "cc": 6, "bcc": 7}

Envelope = list[object]


def build_envelope(fields: list[HeaderField]) -> Envelope:
    envelope: Envelope = [None] * 10
    for field in fields:
        slot = _STRING_SLOTS.get(field.key)
        if slot is not None:
            envelope[slot] = field.value()
            continue
        slot = _ADDRESS_SLOTS.get(field.key)
        if slot is None:
            continue
        addresses = parse_address_list(field.value())
        if addresses:
            known = envelope[slot]
            envelope[slot] = addresses if not isinstance(known, list) else known + addresses
    for slot in (3, 4):
        if envelope[slot] is None:
            envelope[slot] = envelope[2]
    return envelope


def empty_envelope() -> Envelope:
    return [None] * 10
