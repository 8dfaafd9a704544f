"""The message that tells a temporary account it is about to expire (RFC 5322)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.conf import settings

from accounts.models import Account


def expiry_warning_message(account: Account, now: datetime) -> EmailMessage:
    assert account.expires_at is not None  # only expiring accounts are warned
    expires = account.expires_at.strftime("%Y-%m-%d %H:%M %Z")
    message = EmailMessage()
    message["From"] = settings.DEFAULT_FROM_EMAIL
    message["To"] = account.address
    message["Subject"] = f"Your account {account.address} expires on {expires}"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.MAIL_HOSTNAME)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(
        f"Hello,\n\n"
        f"this is a temporary account. {account.address} expires on {expires}.\n"
        f"Then the account and all its messages are deleted and it can no longer log in.\n\n"
        f"If you want to keep your contacts, move to another account before then:\n"
        f"in Delta Chat, add a second profile or change this profile's e-mail address,\n"
        f"and tell your contacts.\n\n"
        f"This message was sent automatically.\n"
    )
    return message
