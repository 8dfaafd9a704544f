"""The outbound queue: relaying to a test smarthost (an aiosmtpd sink on another loopback port),
retries with backoff after temporary failures, and RFC 3464 bounces after permanent ones.

The Celery task is called directly (no worker): it is the unit of work a worker would run.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from imapd.smtp.models import OutboundMessage
from imapd.smtp.queue import outbound_due_ids, outbound_enqueue
from imapd.smtp.relay import retry_delay
from imapd.tasks import relay_outbound, relay_sweep
from imapd.tls import certificate_paths, server_context
from tests.smtp.conftest import inbox_messages, message
from tests.smtp.sink import Sink

pytestmark = pytest.mark.slow


def send_from_alice(daemon, tls, recipients: list[str], data: bytes) -> OutboundMessage:
    client = smtplib.SMTP("127.0.0.1", daemon.port("submission"), "client.test", timeout=30)
    client.starttls(context=tls)
    client.login("alice@example.org", "alice-pw-1")
    client.sendmail("alice@example.org", recipients, data)
    client.quit()
    return OutboundMessage.objects.get()


def status_part(bounce: bytes) -> str:
    report = message_from_bytes(bounce, policy=policy.default)
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    _text, status, headers = report.iter_parts()
    assert headers.get_content_type() == "text/rfc822-headers"
    return status.as_string()


def test_relay_through_the_smarthost(mail_daemon, layout, client_tls, settings):
    with Sink() as sink:
        settings.SMTP_RELAY_URL = f"smtp://127.0.0.1:{sink.port}"
        queued = send_from_alice(
            mail_daemon, client_tls, ["friend@example.com", "other@example.net"], message()
        )
        assert relay_outbound(queued.pk) == "done"
    (got,) = sink.handler.received
    assert got.sender == "alice@example.org"
    assert got.recipients == ["friend@example.com", "other@example.net"]
    assert got.content.endswith(message())
    assert b" with ESMTPSA id " in got.content
    queued.refresh_from_db()
    assert queued.done_at is not None
    assert {r["state"] for r in queued.recipients} == {"sent"}


def test_a_temporary_failure_is_retried_with_backoff(mail_daemon, layout, client_tls, settings):
    with Sink() as sink:
        sink.handler.data_replies = ["451 4.3.0 Try again later"]
        settings.SMTP_RELAY_URL = f"smtp://127.0.0.1:{sink.port}"
        queued = send_from_alice(mail_daemon, client_tls, ["friend@example.com"], message())
        with pytest.raises(Retry):
            relay_outbound(queued.pk)
        queued.refresh_from_db()
        assert queued.attempts == 1
        assert queued.done_at is None
        assert queued.next_attempt_at > timezone.now() + retry_delay(1) - timedelta(minutes=1)
        assert queued.recipients[0]["reply"].startswith("451 4.3.0")
        assert relay_outbound(queued.pk) == "skipped"  # not due yet
        assert outbound_due_ids() == []
        OutboundMessage.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
        assert outbound_due_ids() == [queued.pk]
        assert relay_outbound(queued.pk) == "done"
    assert len(sink.handler.received) == 1
    assert inbox_messages(layout.alice) == []  # no bounce


def test_backoff_doubles_up_to_the_maximum(settings):
    settings.RELAY_RETRY_DELAY = 300
    settings.RELAY_RETRY_MAX_DELAY = 3600
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        300,
        600,
        1200,
        2400,
        3600,
    ]


def test_a_permanent_failure_bounces_into_the_senders_inbox(
    mail_daemon, layout, client_tls, settings
):
    with Sink() as sink:
        sink.handler.rcpt_replies = {"gone@example.com": "550 5.1.1 No such user here"}
        settings.SMTP_RELAY_URL = f"smtp://127.0.0.1:{sink.port}"
        queued = send_from_alice(
            mail_daemon, client_tls, ["gone@example.com", "friend@example.com"], message("Hi")
        )
        assert relay_outbound(queued.pk) == "done"
    assert sink.handler.received[0].recipients == ["friend@example.com"]
    (bounce,) = inbox_messages(layout.alice)
    assert bounce.startswith(b"Return-Path: <>\r\n")
    status = status_part(bounce)
    assert "Final-Recipient: rfc822; gone@example.com" in status
    assert "Action: failed" in status
    assert "Status: 5.1.1" in status
    assert "Remote-MTA: dns; 127.0.0.1" in status
    assert "Diagnostic-Code: smtp; 550 5.1.1 No such user here" in status
    assert b"Subject: Hi" in bounce
    assert "friend@example.com" not in status
    queued.refresh_from_db()
    assert [r["state"] for r in queued.recipients] == ["failed", "sent"]


def test_giving_up_after_the_retry_window_bounces(mail_daemon, layout, client_tls, settings):
    with Sink() as sink:
        sink.handler.data_replies = ["452 4.2.2 Mailbox full"]
        settings.SMTP_RELAY_URL = f"smtp://127.0.0.1:{sink.port}"
        queued = send_from_alice(mail_daemon, client_tls, ["friend@example.com"], message())
        old = timezone.now() - timedelta(seconds=settings.RELAY_RETRY_WINDOW + 1)
        OutboundMessage.objects.filter(pk=queued.pk).update(created_at=old)
        assert relay_outbound(queued.pk) == "done"
    (bounce,) = inbox_messages(layout.alice)
    status = status_part(bounce)
    assert "Status: 4.4.7" in status
    assert "452 4.2.2 Mailbox full" in status


def test_an_unreachable_smarthost_is_a_temporary_failure(layout, shared_database, settings):
    settings.SMTP_RELAY_URL = "smtp://127.0.0.1:9"  # discard port: nothing listens
    queued = outbound_enqueue(
        sender="alice@example.org", recipients=["friend@example.com"], content=message()
    )
    with pytest.raises(Retry):
        relay_outbound(queued.pk)
    queued.refresh_from_db()
    assert queued.recipients[0]["state"] == "queued"
    assert queued.recipients[0]["reply"].startswith("451 4.4.1")


def test_credentials_go_over_starttls(layout, shared_database, settings):
    cert, _ = certificate_paths()
    with Sink(starttls=server_context(), credentials=("relayuser", "s3cret/pass")) as sink:
        settings.SMTP_RELAY_URL = (
            f"smtp://relayuser:s3cret%2Fpass@127.0.0.1:{sink.port}?cafile={cert}"
        )
        queued = outbound_enqueue(
            sender="alice@example.org", recipients=["friend@example.com"], content=message()
        )
        assert relay_outbound(queued.pk) == "done"
    (got,) = sink.handler.received
    assert got.login == "relayuser"
    assert got.tls


def test_smtps_smarthost(layout, shared_database, settings):
    cert, _ = certificate_paths()
    with Sink(implicit_tls=server_context()) as sink:
        settings.SMTP_RELAY_URL = f"smtps://127.0.0.1:{sink.port}?cafile={cert}"
        queued = outbound_enqueue(
            sender="alice@example.org", recipients=["friend@example.com"], content=message()
        )
        assert relay_outbound(queued.pk) == "done"
    assert sink.handler.received[0].tls


def test_a_bounce_is_never_bounced(layout, shared_database, settings):
    with Sink() as sink:
        sink.handler.rcpt_replies = {"gone@example.com": "550 5.1.1 No such user"}
        settings.SMTP_RELAY_URL = f"smtp://127.0.0.1:{sink.port}"
        queued = outbound_enqueue(sender="", recipients=["gone@example.com"], content=message())
        assert relay_outbound(queued.pk) == "done"
    assert OutboundMessage.objects.count() == 1
    assert inbox_messages(layout.alice) == []


def test_the_sweep_wakes_due_messages_only(layout, shared_database, settings):
    due = outbound_enqueue(sender="a@example.org", recipients=["x@example.com"], content=b"x")
    later = outbound_enqueue(sender="a@example.org", recipients=["y@example.com"], content=b"y")
    OutboundMessage.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert outbound_due_ids() == [due.pk]
    assert relay_sweep() == 1
