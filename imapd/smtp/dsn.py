"""Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522) message.

Built as bytes: the returned header section of the original is copied octet for octet (it may
hold 8-bit text a re-encoding would change), and addresses may be UTF-8 (RFC 6533).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from django.conf import settings
from django.utils import timezone

from imapd.smtp.replies import Reply

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    reply: Reply
    # The server that gave the reply, when it was another one (the smarthost).
    remote_mta: str | None = None


def header_section(message: bytes) -> bytes:
    """The original's header fields, up to (not including) the blank line; CRLF ended."""
    end = _HEADER_END.search(message)
    head = message if end is None else message[: end.start()]
    return head.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"


def _address_type(address: str) -> str:
    return "rfc822" if address.isascii() else "utf-8"


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text).strip()


def dsn_build(
    *,
    to: str,
    failures: Sequence[FailedRecipient],
    original: bytes,
    arrival_date: datetime,
    now: datetime | None = None,
) -> bytes:
    """A bounce for `to` (the original's envelope sender) listing `failures`."""
    moment = now or timezone.now()
    host = settings.MAIL_HOSTNAME
    boundary = f"=_bounce_{secrets.token_hex(12)}"
    stamp = format_datetime(timezone.localtime(moment))
    listing = "".join(f"<{f.address}>: {_one_line(str(f.reply))}\r\n" for f in failures)
    human = (
        "This is the mail system at " + host + ".\r\n\r\n"
        "Your message could not be delivered to the following recipients:\r\n\r\n"
        + listing
        + "\r\nThe message's header is attached below.\r\n"
    )
    per_message = (
        f"Reporting-MTA: dns; {host}\r\n"
        f"Arrival-Date: {format_datetime(timezone.localtime(arrival_date))}\r\n"
    )
    per_recipient = "".join(
        f"\r\nFinal-Recipient: {_address_type(f.address)}; {f.address}\r\n"
        "Action: failed\r\n"
        f"Status: {f.reply.status}\r\n"
        + (f"Remote-MTA: dns; {f.remote_mta}\r\n" if f.remote_mta else "")
        + f"Diagnostic-Code: smtp; {_one_line(str(f.reply))}\r\n"
        f"Last-Attempt-Date: {stamp}\r\n"
        for f in failures
    )
    # RFC 6533: a report naming a UTF-8 address is a message/global-delivery-status.
    utf8 = any(not f.address.isascii() for f in failures)
    status_type = "message/global-delivery-status" if utf8 else "message/delivery-status"
    head = (
        f"From: Mail Delivery System <MAILER-DAEMON@{host}>\r\n"
        f"To: <{to}>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {stamp}\r\n"
        f"Message-ID: <{secrets.token_hex(16)}@{host}>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        f'\tboundary="{boundary}"\r\n'
        "\r\n"
        "This is a MIME-encapsulated message.\r\n"
    )
    parts = [
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + human,
        f"Content-Type: {status_type}\r\n\r\n" + per_message + per_recipient,
    ]
    body = "".join(f"\r\n--{boundary}\r\n{part}" for part in parts)
    return (
        (head + body).encode("utf-8")
        + f"\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n".encode()
        + header_section(original)
        + f"\r\n--{boundary}--\r\n".encode()
    )
