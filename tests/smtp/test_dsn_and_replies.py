"""Bounces (RFC 3464), reply parsing and the smarthost URL, without sockets."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from typing import cast

from imapd.smtp.dsn import FailedRecipient, dsn_build, header_section
from imapd.smtp.replies import Reply
from imapd.smtp.smarthost import Smarthost

ORIGINAL = b"Subject: caf\xc3\xa9\r\nFrom: a@example.org\r\n\r\nbody\r\n"


def test_dsn_is_a_multipart_report_with_one_status_block_per_recipient(settings):
    settings.MAIL_HOSTNAME = "mx.example.org"
    raw = dsn_build(
        to="a@example.org",
        failures=[
            FailedRecipient("x@example.com", Reply(550, "5.1.1", "unknown"), "smtp.example.com"),
            FailedRecipient("y@example.com", Reply(451, "4.4.7", "expired")),
        ],
        original=ORIGINAL,
        arrival_date=datetime(2025, 6, 2, 10, 0, tzinfo=UTC),
    )
    report = message_from_bytes(raw, policy=policy.default)
    assert report["Auto-Submitted"] == "auto-replied"
    assert report.get_content_type() == "multipart/report"
    text, status, headers = report.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert status.get_content_type() == "message/delivery-status"
    per_message, first, second = cast(list[Message], status.get_payload())
    assert per_message["Reporting-MTA"] == "dns; mx.example.org"
    assert first["Final-Recipient"] == "rfc822; x@example.com"
    assert first["Status"] == "5.1.1"
    assert first["Remote-MTA"] == "dns; smtp.example.com"
    assert second["Status"] == "4.4.7"
    assert second["Remote-MTA"] is None
    assert headers.get_content_type() == "text/rfc822-headers"
    assert header_section(ORIGINAL) in raw  # the 8-bit header copied octet for octet


def test_utf8_recipients_make_a_global_delivery_status():
    raw = dsn_build(
        to="a@example.org",
        failures=[FailedRecipient("josé@example.com", Reply(550, "5.1.1", "unknown"))],
        original=ORIGINAL,
        arrival_date=datetime(2025, 6, 2, tzinfo=UTC),
    )
    assert b"Content-Type: message/global-delivery-status" in raw
    assert "Final-Recipient: utf-8; josé@example.com".encode() in raw


def test_reply_parsing_keeps_or_derives_the_enhanced_code():
    assert Reply.parse("550 5.1.1 No such user") == Reply(550, "5.1.1", "No such user")
    assert Reply.parse("451 try later") == Reply(451, "4.0.0", "try later")
    assert Reply.parse("250 2.0.0 ok").ok
    assert Reply.parse("452 4.2.2 full").temporary


def test_smarthost_urls():
    plain = Smarthost.from_url("smtp://user%40x:p%2Fw@relay.example.net")
    assert (plain.host, plain.port, plain.implicit_tls) == ("relay.example.net", 587, False)
    assert (plain.username, plain.password) == ("user@x", "p/w")
    tls = Smarthost.from_url("smtps://relay.example.net?verify=false")
    assert (tls.port, tls.implicit_tls, tls.verify) == (465, True, False)
    assert Smarthost.from_url("smtp://127.0.0.1:2525").is_loopback
