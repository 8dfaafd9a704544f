"""SMTP submission (RFC 6409) on 587-style STARTTLS and 465-style implicit TLS, with smtplib."""

from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.utils import timezone

from accounts import services as account_services
from imapd.smtp import submission
from imapd.smtp.models import OutboundMessage
from tests.smtp.conftest import body_of, error_text, inbox_messages, message

pytestmark = pytest.mark.slow


def submit(daemon, tls: ssl.SSLContext, *, starttls: bool = True) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", daemon.port("submission"), "client.test", timeout=30)
    if starttls:
        client.starttls(context=tls)
    return client


def logged_in(daemon, tls: ssl.SSLContext, user: str = "alice") -> smtplib.SMTP:
    client = submit(daemon, tls)
    client.login(f"{user}@example.org", f"{user}-pw-1")
    return client


def test_auth_plain_over_starttls_then_local_delivery(mail_daemon, layout, client_tls):
    client = submit(mail_daemon, client_tls)
    client.ehlo()
    assert "PLAIN" in client.esmtp_features["auth"]
    assert "LOGIN" in client.esmtp_features["auth"]
    client.login("alice@example.org", "alice-pw-1")  # smtplib tries PLAIN first
    refused = client.sendmail("alice@example.org", ["bob@example.org"], message(to="bob"))
    client.quit()
    assert refused == {}
    (stored,) = inbox_messages(layout.bob)
    assert stored.startswith(
        b"Return-Path: <alice@example.org>\r\nDelivered-To: bob@example.org\r\n"
    )
    assert b" with ESMTPSA id " in stored


def test_auth_login_mechanism(mail_daemon, layout, client_tls):
    client = submit(mail_daemon, client_tls)
    client.ehlo()
    client.user, client.password = "bob@example.org", "bob-pw-1"
    code, text = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
    client.quit()
    assert code == 235
    assert text.startswith(b"2.7.0")


def test_wrong_password_and_disabled_account_cannot_log_in(mail_daemon, layout, client_tls):
    client = submit(mail_daemon, client_tls)
    with pytest.raises(smtplib.SMTPAuthenticationError) as wrong:
        client.login("alice@example.org", "not-the-password")
    with pytest.raises(smtplib.SMTPAuthenticationError) as disabled:
        client.login("carol@example.org", "carol-pw-1")
    client.quit()
    assert wrong.value.smtp_code == 535
    assert disabled.value.smtp_code == 535
    assert error_text(disabled.value).startswith(b"5.7.8")


def test_expired_and_pending_deletion_accounts_cannot_log_in(mail_daemon, layout, client_tls):
    past = timezone.now() - timedelta(days=1)
    account_services.account_update(account=layout.alice, expires_at=past, acting_user=None)
    layout.bob.__class__.objects.filter(pk=layout.bob.pk).update(deletion_pending_since=past)
    client = submit(mail_daemon, client_tls)
    for user in ("alice", "bob"):
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(f"{user}@example.org", f"{user}-pw-1")
    client.quit()


def test_auth_before_tls_is_refused_to_remote_clients(mail_daemon, layout, client_tls, monkeypatch):
    monkeypatch.setattr(submission, "is_loopback", lambda peer: False)
    client = submit(mail_daemon, client_tls, starttls=False)
    client.ehlo()
    assert not client.has_extn("auth")
    code, text = client.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUub3JnAGFsaWNlLXB3LTE=")
    assert code == 538
    assert text.startswith(b"5.7.11")
    client.starttls(context=client_tls)
    client.login("alice@example.org", "alice-pw-1")  # fine once encrypted
    client.quit()


def test_auth_before_tls_is_allowed_from_loopback_and_by_setting(
    mail_daemon, layout, client_tls, monkeypatch, settings
):
    client = submit(mail_daemon, client_tls, starttls=False)
    client.login("alice@example.org", "alice-pw-1")  # the test client is on loopback
    client.quit()
    monkeypatch.setattr(submission, "is_loopback", lambda peer: False)
    settings.SMTP_AUTH_ALLOW_PLAINTEXT = True
    client = submit(mail_daemon, client_tls, starttls=False)
    client.login("alice@example.org", "alice-pw-1")
    client.quit()


def test_implicit_tls_port(mail_daemon, layout, client_tls):
    client = smtplib.SMTP_SSL(
        "127.0.0.1", mail_daemon.port("submissions"), "client.test", context=client_tls, timeout=30
    )
    client.ehlo()
    assert not client.has_extn("starttls")
    client.login("alice@example.org", "alice-pw-1")
    client.sendmail("alice@example.org", ["bob@example.org"], message(to="bob"))
    client.quit()
    assert b" with ESMTPSA id " in inbox_messages(layout.bob)[0]


def test_mail_needs_auth(mail_daemon, layout, client_tls):
    client = submit(mail_daemon, client_tls)
    client.ehlo()
    code, text = client.mail("alice@example.org")
    client.quit()
    assert code == 530
    assert text.startswith(b"5.7.0")


def test_sender_must_be_the_account_or_one_of_its_aliases(mail_daemon, layout, client_tls):
    account_services.alias_create(
        domain=layout.domain, local_part="", targets=["alice@example.org"], acting_user=None
    )
    client = logged_in(mail_daemon, client_tls)
    results = {}
    for sender in (
        "alice@example.org",
        "ALICE+lists@example.org",
        "sales@example.org",
        "bob@example.org",
        "anything@example.org",  # only the catch-all leads to alice
        "alice@example.com",
        "<>",
    ):
        code, text = client.mail(sender)
        results[sender] = (code, text[:5])
        client.rset()
    client.quit()
    assert results == {
        "alice@example.org": (250, b"2.1.0"),
        "ALICE+lists@example.org": (250, b"2.1.0"),
        "sales@example.org": (250, b"2.1.0"),
        "bob@example.org": (553, b"5.7.1"),
        "anything@example.org": (553, b"5.7.1"),
        "alice@example.com": (553, b"5.7.1"),
        "<>": (553, b"5.7.1"),
    }


def test_remote_recipients_are_refused_without_a_smarthost(mail_daemon, layout, client_tls):
    client = logged_in(mail_daemon, client_tls)
    client.mail("alice@example.org")
    code, text = client.rcpt("friend@example.com")
    local_code, _ = client.rcpt("bob@example.org")
    client.quit()
    assert code == 550
    assert text.startswith(b"5.7.1")
    assert b"relay" in text.lower()
    assert local_code == 250
    assert not OutboundMessage.objects.exists()


def test_remote_recipients_are_queued_with_a_smarthost(mail_daemon, layout, client_tls, settings):
    settings.SMTP_RELAY_URL = "smtp://127.0.0.1:9"
    client = logged_in(mail_daemon, client_tls)
    client.sendmail("alice@example.org", ["friend@example.com", "bob@example.org"], message())
    client.quit()
    (queued,) = OutboundMessage.objects.all()
    assert queued.sender == "alice@example.org"
    assert queued.account_id == layout.alice.pk
    assert [r["address"] for r in queued.recipients] == ["friend@example.com"]
    assert body_of(bytes(queued.content)) == message()
    assert len(inbox_messages(layout.bob)) == 1


def test_sending_rate_limit(mail_daemon, layout, client_tls, settings):
    settings.SUBMISSION_RATE_LIMIT = 2
    client = logged_in(mail_daemon, client_tls)
    for n in range(2):
        client.sendmail("alice@example.org", ["bob@example.org"], message(f"n{n}"))
    code, text = client.mail("alice@example.org")
    client.quit()
    assert code == 450
    assert text.startswith(b"4.7.1")
    other = logged_in(mail_daemon, client_tls, "bob")  # the limit is per account
    assert other.mail("bob@example.org")[0] == 250
    other.quit()


def test_a_local_recipient_failing_after_data_bounces_to_the_sender(
    mail_daemon, layout, client_tls
):
    client = logged_in(mail_daemon, client_tls)
    big = message("Too big for bob", "q" * 4000 + "\r\n")
    client.sendmail("alice@example.org", ["bob@example.org", "sales@example.org"], big)
    client.quit()
    copy, bounce = inbox_messages(layout.alice)
    assert body_of(copy) == big
    report = message_from_bytes(bounce, policy=policy.default)
    assert report.get_content_type() == "multipart/report"
    status = list(report.iter_parts())[1].as_string()
    assert "Final-Recipient: rfc822; bob@example.org" in status
    assert "Status: 5.2.2" in status
    assert bounce.startswith(b"Return-Path: <>\r\nDelivered-To: alice@example.org\r\n")


def test_all_recipients_failing_is_the_reply_itself(mail_daemon, layout, client_tls):
    client = logged_in(mail_daemon, client_tls)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail("alice@example.org", ["bob@example.org"], message("x", "q" * 4000))
    client.quit()
    assert refused.value.smtp_code == 552
    assert error_text(refused.value).startswith(b"5.2.2")
    assert len(inbox_messages(layout.alice)) == 0  # no bounce: the client was told
