"""Modified UTF-7 (RFC 3501 5.1.3) and the INBOX rule."""

from __future__ import annotations

import pytest

from imapd.imap.mailbox_names import (
    MailboxNameError,
    decode_mailbox_name,
    encode_mailbox_name,
    is_inbox,
    normalise_inbox,
)


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("INBOX", "INBOX"),
        ("Sent Items", "Sent Items"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("été", "&AOk-t&AOk-"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("😀", "&2D3eAA-"),
        ("a\tb", "a&AAk-b"),
    ],
)
def test_modified_utf7_round_trips_rfc_examples(name, wire):
    assert encode_mailbox_name(name) == wire
    assert decode_mailbox_name(wire) == name


@pytest.mark.parametrize(
    "wire",
    [
        "&AOk",  # unterminated
        "&AOk!-",  # bad base64 character
        "&AGE-",  # "a" must not be base64 encoded
        "&AO-",  # partial UTF-16 unit
        "&AOl-",  # non-zero padding bits
        "&2D0-",  # lone surrogate
        "caf\u00e9",  # raw 8-bit text
        "tab\there",  # control character sent directly
    ],
)
def test_malformed_modified_utf7_is_rejected(wire):
    with pytest.raises(MailboxNameError):
        decode_mailbox_name(wire)


def test_inbox_is_case_insensitive_only_as_a_whole_name():
    assert is_inbox("inbox")
    assert is_inbox("InBoX")
    assert not is_inbox("INBOX/x")
    assert normalise_inbox("iNbOx") == "INBOX"
    assert normalise_inbox("inbox/Sub") == "inbox/Sub"
    assert normalise_inbox("inbox/Sub", "/") == "INBOX/Sub"
    assert normalise_inbox("inboxes", "/") == "inboxes"
