"""Inbound SMTP (port 25): mail for the local domains only, and never a relay."""

from __future__ import annotations

import smtplib

import pytest

from imapd.smtp.models import OutboundMessage
from tests.smtp.conftest import inbox_messages, message

pytestmark = pytest.mark.slow


def inbound(daemon) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", daemon.port("smtp"), "mx.example.com", timeout=30)
    client.ehlo()
    return client


def test_mail_for_a_local_account_is_delivered(mail_daemon, layout):
    client = inbound(mail_daemon)
    assert client.has_extn("starttls")
    assert not client.has_extn("auth")
    client.sendmail("zed@example.com", ["Alice@example.org"], message())
    client.quit()
    (stored,) = inbox_messages(layout.alice)
    assert b"Received: from mx.example.com ([127.0.0.1])\r\n" in stored
    assert b" with ESMTP id " in stored


@pytest.mark.parametrize("relay_url", ["", "smtp://127.0.0.1:9"])
def test_remote_to_remote_is_refused_even_with_a_smarthost(
    mail_daemon, layout, settings, relay_url
):
    settings.SMTP_RELAY_URL = relay_url
    client = inbound(mail_daemon)
    client.mail("zed@example.com")
    code, text = client.rcpt("victim@example.net")
    client.quit()
    assert code == 550
    assert text.startswith(b"5.7.1")
    assert not OutboundMessage.objects.exists()


def test_auth_is_not_offered_on_port_25(mail_daemon, layout):
    client = inbound(mail_daemon)
    code, _ = client.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUub3JnAGFsaWNlLXB3LTE=")
    client.quit()
    assert code == 502


def test_unknown_and_disabled_local_recipients_are_refused(mail_daemon, layout):
    client = inbound(mail_daemon)
    client.mail("zed@example.com")
    unknown = client.rcpt("nobody@example.org")
    disabled = client.rcpt("carol@example.org")
    client.quit()
    assert unknown[0] == 550
    assert unknown[1].startswith(b"5.1.1")
    assert disabled[0] == 550
    assert disabled[1].startswith(b"5.2.1")
