"""`manage.py deliver`, the local delivery agent, run as a real subprocess as an MTA runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from imapd.models import Mailbox, Message
from tests.smtp.conftest import body_of, inbox_messages, message

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def deliver(
    env: dict[str, str], *args: str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "deliver", *args],
        input=stdin,
        capture_output=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "BLOB_DIR": str(django_settings.BLOB_DIR),
            **env,
        },
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def first_line(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stdout.decode().splitlines()[0]


def test_delivered_message_exits_zero(shared_database, layout):
    data = b"From zed@example.com Mon Jun  2 10:00:00 2025\n" + message("LDA").replace(
        b"\r\n", b"\n"
    )
    result = deliver(
        shared_database.env, "--from", "zed@example.com", "alice@example.org", stdin=data
    )
    assert result.returncode == 0, result.stderr
    assert first_line(result) == "2.0.0 Message delivered"
    (stored,) = inbox_messages(layout.alice)
    assert stored.startswith(
        b"Return-Path: <zed@example.com>\r\nDelivered-To: alice@example.org\r\n"
    )
    assert b"Received:" not in stored  # the MTA in front wrote its own
    assert body_of(stored) == message("LDA")  # mbox From_ line dropped, LF made CRLF


def test_mailbox_and_flags(shared_database, layout):
    result = deliver(
        shared_database.env,
        "--mailbox",
        "Archive",
        "--flag",
        "\\Seen",
        "--flag",
        "$Important",
        "alice@example.org",
        stdin=message("Filed"),
    )
    assert result.returncode == 0, result.stderr
    archive = Mailbox.objects.get(account=layout.alice, name="Archive")
    assert Message.objects.filter(mailbox=archive).count() == 1
    assert archive.unseen_count == 0
    missing = deliver(
        shared_database.env, "--mailbox", "No/Such", "alice@example.org", stdin=message("x")
    )
    assert missing.returncode == 0
    assert len(inbox_messages(layout.alice)) == 1  # INBOX when the mailbox does not exist


def test_unknown_recipient_exits_ex_nouser(shared_database, layout):
    result = deliver(shared_database.env, "nobody@example.org", stdin=message())
    assert result.returncode == 67
    assert first_line(result).startswith("5.1.1 ")


def test_disabled_account_is_refused_for_good(shared_database, layout):
    result = deliver(shared_database.env, "carol@example.org", stdin=message())
    assert result.returncode == 69
    assert first_line(result).startswith("5.2.1 ")


def test_over_quota_is_permanent_or_temporary_by_setting(shared_database, layout):
    big = message("Big", "b" * 4000 + "\r\n")
    permanent = deliver(shared_database.env, "bob@example.org", stdin=big)
    temporary = deliver(
        {**shared_database.env, "OVERQUOTA_TEMPFAIL": "true"}, "bob@example.org", stdin=big
    )
    assert (permanent.returncode, first_line(permanent)[:5]) == (69, "5.2.2")
    assert (temporary.returncode, first_line(temporary)[:5]) == (75, "4.2.2")
    assert inbox_messages(layout.bob) == []


def test_unreachable_database_is_a_temporary_failure(tmp_path, shared_database, layout):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"}
    result = deliver(env, "alice@example.org", stdin=message())
    assert result.returncode == 75
    assert first_line(result).startswith("4.3.0 ")


def test_several_recipients_print_one_line_each(shared_database, layout):
    result = deliver(
        shared_database.env, "alice@example.org", "nobody@example.org", stdin=message()
    )
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 67
    assert lines == [
        "5.1.1 No such user",
        "alice@example.org: 2.0.0 Message delivered",
        "nobody@example.org: 5.1.1 No such user",
    ]


def test_empty_input_and_bad_usage(shared_database, layout):
    empty = deliver(shared_database.env, "alice@example.org", stdin=b"")
    usage = deliver(shared_database.env, stdin=message())
    assert (empty.returncode, first_line(empty)[:5]) == (65, "5.6.0")
    assert usage.returncode == 64
    assert usage.stdout == b""
