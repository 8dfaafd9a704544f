"""The platform's own e-mail backend: local recipients get it in their INBOX, others are
queued for the smarthost, and without one the sender learns it at once."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage

from imapd.models import Message
from imapd.smtp.models import OutboundMessage
from mailplatform.errors import TemporaryFailure
from moderation.mail_backend import PlatformEmailBackend


def _message(to: str) -> EmailMessage:
    return EmailMessage(
        subject="Confirm your account request",
        body="Open the link.",
        from_email="postmaster@example.org",
        to=[to],
    )


def test_a_local_recipient_gets_the_message_in_the_inbox(members_mailbox):
    sent = PlatformEmailBackend().send_messages([_message(members_mailbox.address)])
    assert sent == 1
    stored = Message.objects.get(mailbox__account=members_mailbox, mailbox__name="INBOX")
    assert stored.size > 0


def test_a_remote_recipient_without_a_relay_is_a_temporary_failure(db, settings):
    settings.SMTP_RELAY_URL = ""
    with pytest.raises(TemporaryFailure):
        PlatformEmailBackend().send_messages([_message("someone@elsewhere.test")])
    assert (
        PlatformEmailBackend(fail_silently=True).send_messages([_message("someone@elsewhere.test")])
        == 0
    )


def test_a_remote_recipient_is_queued_for_the_relay(db, settings):
    settings.SMTP_RELAY_URL = "smtp://relay.example.net:587"
    assert PlatformEmailBackend().send_messages([_message("someone@elsewhere.test")]) == 1
    queued = OutboundMessage.objects.get()
    assert queued.sender == "postmaster@example.org"
    assert [r["address"] for r in queued.recipients] == ["someone@elsewhere.test"]
    assert b"Subject: Confirm your account request" in bytes(queued.content)
