"""A few demo messages for the demo account's INBOX (`bootstrap --demo`, `runimapd
--demo-data`): plain text, an HTML alternative, an attachment and a forwarded message, so a
client shows something and BODYSTRUCTURE has something to describe."""

from __future__ import annotations

import base64
from email.utils import format_datetime

from django.utils import timezone

from accounts.models import Account
from imapd.models import Mailbox
from imapd.store.dto import AppendItem
from imapd.store.names import INBOX
from imapd.store.services import messages_append


def _headers(subject: str, to: str, extra: str = "") -> str:
    date = format_datetime(timezone.now())
    return (
        f"From: Mail Platform <postmaster@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: {date}\r\nMIME-Version: 1.0\r\n{extra}"
    )


def demo_messages(address: str) -> list[AppendItem]:
    welcome = _headers("Welcome to your mailbox", address) + (
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hello!\r\n\r\nThis account works over IMAP (STARTTLS or TLS) and SMTP submission.\r\n"
    )
    boundary = "demo-alt-1"
    alternative = _headers("A message with an HTML part", address) + (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Plain text version.\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>HTML <b>version</b>.</p>\r\n"
        f"--{boundary}--\r\n"
    )
    attachment = base64.encodebytes(b"name,value\r\nexample,42\r\n").decode().replace("\n", "\r\n")
    mixed = "demo-mixed-1"
    with_file = _headers("A message with an attachment", address) + (
        f'Content-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n'
        f"--{mixed}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe file is attached.\r\n"
        f'--{mixed}\r\nContent-Type: text/csv; name="data.csv"\r\n'
        'Content-Disposition: attachment; filename="data.csv"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}"
        f"--{mixed}--\r\n"
    )
    forward = "demo-fwd-1"
    forwarded = _headers("Fwd: Welcome to your mailbox", address) + (
        f'Content-Type: multipart/mixed; boundary="{forward}"\r\n\r\n'
        f"--{forward}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nForwarded below.\r\n"
        f"--{forward}\r\nContent-Type: message/rfc822\r\n\r\n{welcome}\r\n"
        f"--{forward}--\r\n"
    )
    return [
        AppendItem(raw=welcome.encode(), flags=("\\Seen",)),
        AppendItem(raw=alternative.encode()),
        AppendItem(raw=with_file.encode(), flags=("\\Flagged",)),
        AppendItem(raw=forwarded.encode()),
    ]


def demo_messages_add(*, account: Account) -> int:
    """Append the demo messages to the account's INBOX; returns how many."""
    inbox = Mailbox.objects.get(account=account, name=INBOX)
    items = demo_messages(account.address)
    messages_append(mailbox=inbox, items=items)
    return len(items)
