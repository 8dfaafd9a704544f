"""Other real clients: curl's imap:// (LIST, FETCH by UID, SEARCH over STARTTLS) and the demo
data's messages through imapclient."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from imapclient import IMAPClient

from imapd.imap.demo_messages import demo_messages_add
from tests.imapd.server.clients import TIMEOUT, imap, message
from tests.imapd.server.conftest import PASSWORD

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def _curl(daemon, path: str, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CURL is not None
    return subprocess.run(
        [
            CURL,
            "--silent",
            "--show-error",
            "--max-time",
            str(TIMEOUT),
            "--user",
            f"alice@example.org:{PASSWORD}",
            *extra,
            f"imap://127.0.0.1:{daemon.port('imap')}/{path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@needs_curl
def test_curl_lists_mailboxes(daemon, alice):
    result = _curl(daemon, "")
    assert result.returncode == 0, result.stderr
    assert '* LIST (\\HasNoChildren) "/" INBOX' in result.stdout


@needs_curl
def test_curl_fetches_a_message_by_uid_over_starttls(daemon, alice):
    imap(daemon, password=PASSWORD).append("INBOX", "", "", message("For curl"))
    result = _curl(daemon, "INBOX;UID=1", "--ssl-reqd", "--insecure")
    assert result.returncode == 0, result.stderr
    assert "Subject: For curl" in result.stdout
    assert result.stdout.splitlines()[-1] == "Hi there."


@needs_curl
def test_curl_search(daemon, alice):
    client = imap(daemon, password=PASSWORD)
    client.append("INBOX", "", "", message("alpha"))
    client.append("INBOX", "", "", message("beta"))
    result = _curl(daemon, "INBOX?SUBJECT%20beta")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "* SEARCH 2"


def test_demo_messages_are_served(daemon, alice):
    assert demo_messages_add(account=alice) == 4
    with IMAPClient("127.0.0.1", port=daemon.port("imap"), ssl=False, timeout=TIMEOUT) as c:
        c.login("alice@example.org", PASSWORD)
        c.select_folder("INBOX")
        found = c.fetch(c.search("ALL"), ["ENVELOPE", "BODYSTRUCTURE", "FLAGS"])
        subjects = [found[uid][b"ENVELOPE"].subject for uid in sorted(found)]
        assert subjects[0] == b"Welcome to your mailbox"
        assert found[3][b"BODYSTRUCTURE"][0][1][:2] == (b"text", b"csv")
        assert found[4][b"BODYSTRUCTURE"][0][1][:2] == (b"message", b"rfc822")
        assert b"\\Seen" in found[1][b"FLAGS"]
