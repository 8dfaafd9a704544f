"""The one place provisioning hands a message to the mail store."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from accounts.models import Account
from imapd.store.services import message_deliver


def deliver_to_inbox(*, account: Account, message: EmailMessage) -> None:
    """Store `message` in the account's INBOX, as final delivery would (CRLF line endings)."""
    message_deliver(account=account, raw=message.as_bytes(policy=SMTP))
