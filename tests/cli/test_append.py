"""append: delivery through the API with an MTA's exit statuses (sysexits.h).

0 delivered, 67 unknown user, 69 refused for good, 65 empty, and 75 for every temporary
fault (stopped server, server error, timeout, missing or refused token): never a bounce.
"""

from __future__ import annotations

import threading

import pytest

from imapd.models import Mailbox, Message
from mailplatform.errors import TemporaryFailure
from tests.cli.conftest import closed_port
from tests.smtp.conftest import inbox_messages

MESSAGE = "From: zed@example.com\nTo: alice@example.org\nSubject: Hi\n\nHello Alice.\n"


def stored_count() -> int:
    return Message.objects.count()


def test_append_delivers_and_prints_the_status_code_first(cli, platform):
    result = cli.run("append", "--from", "zed@example.com", "alice@example.org", stdin=MESSAGE)
    assert result.status == 0, result.stderr
    inbox = Mailbox.objects.get(account=platform.alice, name="INBOX")
    assert result.stdout.splitlines() == [
        "2.0.0 Message delivered",
        "mailbox: INBOX",
        f"uidvalidity: {inbox.uidvalidity}",
        "uid: 1",
    ]
    (stored,) = inbox_messages(platform.alice)
    assert stored.startswith(
        b"Return-Path: <zed@example.com>\r\nDelivered-To: alice@example.org\r\n"
    )
    assert stored.endswith(b"Hello Alice.\r\n")


def test_append_to_a_mailbox_with_flags_for_a_subaddress(cli, platform):
    mbox = "From zed@example.com Thu Jan  1 00:00:00 2026\n" + MESSAGE
    result = cli.run(
        "--json",
        "append",
        "--mailbox",
        "Archive",
        "--flag",
        "\\Seen",
        "alice+lists@example.org",
        stdin=mbox,
    )
    assert result.status == 0, result.stderr
    assert result.json()["mailbox"] == "Archive"
    assert result.json()["result"] == "2.0.0 Message delivered"
    (stored,) = inbox_messages(platform.alice, "Archive")
    assert b"Delivered-To: alice+lists@example.org\r\n" in stored
    assert b"From zed@example.com Thu" not in stored  # the mbox separator is not mail
    assert Mailbox.objects.get(account=platform.alice, name="Archive").unseen_count == 0


def test_unknown_user_exits_67(cli):
    result = cli.run("append", "nobody@example.org", stdin=MESSAGE)
    assert result.status == 67
    assert result.first_line == "5.1.1 No such user"


def test_another_accounts_token_cannot_deliver_elsewhere(cli, platform):
    env = {"MAILPLATFORM_ADMIN_TOKEN": platform.token_for(platform.bob)}
    result = cli.run("append", "alice@example.org", stdin=MESSAGE, env=env)
    assert result.status == 67  # the server does not tell "not yours" from "unknown"
    assert stored_count() == 0


def test_empty_message_exits_65_without_a_request(cli):
    result = cli.run("--url", f"http://127.0.0.1:{closed_port()}", "append", "x@example.org")
    assert result.status == 65
    assert result.first_line == "5.6.0 Message is empty"


def test_over_quota_and_disabled_are_permanent_refusals(cli, platform):
    platform.alice.quota_bytes = 10
    platform.alice.save()
    over = cli.run("append", "alice@example.org", stdin=MESSAGE)
    assert over.status == 69
    assert over.first_line.startswith("5.2.2 ")
    platform.bob.is_active = False
    platform.bob.save()
    disabled = cli.run("append", "bob@example.org", stdin=MESSAGE)
    assert disabled.status == 69
    assert disabled.first_line.startswith("5.2.1 ")
    assert stored_count() == 0


def test_a_stopped_server_is_a_temporary_failure(cli):
    result = cli.run(
        "--url", f"http://127.0.0.1:{closed_port()}", "append", "alice@example.org", stdin=MESSAGE
    )
    assert result.status == 75
    assert result.first_line.startswith("4.4.1 No answer from http://127.0.0.1:")


def test_a_server_error_is_a_temporary_failure(cli, monkeypatch):
    def unavailable(**kwargs):
        raise TemporaryFailure("The message store is unavailable.")

    monkeypatch.setattr("imapd.api.append.account_deliver", unavailable)
    result = cli.run("append", "alice@example.org", stdin=MESSAGE)
    assert result.status == 75
    assert result.first_line.startswith("4.3.0 Temporary failure")
    assert stored_count() == 0


def test_a_timeout_is_a_temporary_failure(cli, monkeypatch):
    released, finished = threading.Event(), threading.Event()

    def stuck(**kwargs):
        try:
            released.wait(60)
        finally:
            finished.set()
        raise TemporaryFailure("Released after the client gave up.")

    monkeypatch.setattr("imapd.api.append.account_deliver", stuck)
    try:
        result = cli.run("--timeout", "1", "append", "alice@example.org", stdin=MESSAGE)
    finally:
        released.set()
        # The request thread shares this test's database connection: let it finish first.
        assert finished.wait(60)
    assert result.status == 75
    assert result.first_line.startswith("4.4.1 ")
    assert "timed out" in result.first_line


@pytest.mark.parametrize(
    "env",
    [
        {"MAILPLATFORM_ADMIN_TOKEN": "revoked-or-mistyped"},
        {"MAILPLATFORM_ADMIN_TOKEN_FILE": "/nonexistent/token"},
    ],
)
def test_a_refused_or_unreadable_token_is_a_temporary_failure(cli, env):
    result = cli.run("append", "alice@example.org", stdin=MESSAGE, env=env)
    assert result.status == 75
    assert result.first_line.startswith("4.3.5 ")
    assert stored_count() == 0


def test_no_token_at_all_is_a_temporary_failure(cli, tmp_path):
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    result = cli.run("append", "alice@example.org", stdin=MESSAGE, cwd=elsewhere)
    assert result.status == 75
    assert result.first_line.startswith("4.3.5 No token")
