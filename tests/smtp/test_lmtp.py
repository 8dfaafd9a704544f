"""LMTP (RFC 2033) over real sockets with smtplib's LMTP client, into the real store."""

from __future__ import annotations

import smtplib
import socket
import threading
from pathlib import Path

import pytest

from accounts import services as account_services
from imapd.daemon import DaemonThread
from imapd.mime import normalize_line_ends
from imapd.models import Message
from tests.imapd.mime import corpus
from tests.smtp.conftest import body_of, daemon_options, inbox_messages, inbox_uids, message

pytestmark = pytest.mark.slow


def lmtp(daemon: DaemonThread) -> smtplib.LMTP:
    client = smtplib.LMTP("127.0.0.1", daemon.port("lmtp"), timeout=30)
    code, _ = client.ehlo("mta.test")
    assert code == 250
    return client


def transaction(
    client: smtplib.LMTP, sender: str, recipients: list[str], data: bytes
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """RCPT replies, then the per-recipient replies after DATA (RFC 2033 4.2)."""
    code, _ = client.mail(sender)
    assert code == 250
    rcpt = [(c, m.decode()) for c, m in (client.rcpt(r) for r in recipients)]
    accepted = sum(1 for code, _ in rcpt if code == 250)
    after: list[tuple[int, str]] = []
    if accepted:
        code, text = client.data(data)
        after.append((code, text.decode()))
        after.extend((c, m.decode()) for c, m in (client.getreply() for _ in range(accepted - 1)))
    return rcpt, after


def test_lhlo_advertises_the_extensions_of_the_issue(mail_daemon, layout):
    client = lmtp(mail_daemon)
    for extension in ("pipelining", "8bitmime", "smtputf8", "enhancedstatuscodes", "size"):
        assert client.has_extn(extension), extension
    assert not client.has_extn("auth")
    assert client.helo("mta.test")[0] == 500  # LMTP has no HELO (RFC 2033 4.1)
    client.quit()


def test_mixed_recipients_get_their_own_reply_after_data(mail_daemon, layout):
    client = lmtp(mail_daemon)
    big = message("Big", "x" * 4000 + "\r\n")  # over bob's 3000-byte quota
    rcpt, after = transaction(
        client,
        "zed@example.com",
        ["alice@example.org", "nobody@example.org", "carol@example.org", "bob@example.org"],
        big,
    )
    client.quit()
    assert [code for code, _ in rcpt] == [250, 550, 550, 250]
    assert rcpt[1][1].startswith("5.1.1")
    assert rcpt[2][1].startswith("5.2.1")
    assert after[0][0] == 250
    assert after[1][0] == 552
    assert after[1][1].startswith("5.2.2")
    assert len(inbox_messages(layout.alice)) == 1
    assert inbox_messages(layout.bob) == []


def test_over_quota_can_be_made_temporary(mail_daemon, layout, settings):
    settings.OVERQUOTA_TEMPFAIL = True
    client = lmtp(mail_daemon)
    _, after = transaction(
        client, "zed@example.com", ["bob@example.org"], message("Big", "y" * 4000 + "\r\n")
    )
    client.quit()
    assert after[0][0] == 452
    assert after[0][1].startswith("4.2.2")


def test_recipients_on_other_domains_are_unknown_users(mail_daemon, layout):
    client = lmtp(mail_daemon)
    code, text = client.mail("zed@example.com")
    assert code == 250
    code, text = client.rcpt("someone@example.com")
    client.quit()
    assert code == 550
    assert text.startswith(b"5.1.1")


def test_aliases_catch_all_and_subaddresses_resolve_case_insensitively(mail_daemon, layout):
    account_services.alias_create(
        domain=layout.domain, local_part="", targets=["bob@example.org"], acting_user=None
    )
    client = lmtp(mail_daemon)
    rcpt, after = transaction(
        client,
        "zed@example.com",
        ["Sales@EXAMPLE.org", "team@example.org", "anything-else@example.org"],
        message("To aliases"),
    )
    _, after_sub = transaction(
        client, "zed@example.com", ["Alice+News@Example.Org"], message("Tagged")
    )
    client.quit()
    assert [code for code, _ in rcpt] == [250, 250, 250]
    assert [code for code, _ in after] == [250, 250, 250]
    assert after_sub[0][0] == 250
    alice, bob = inbox_messages(layout.alice), inbox_messages(layout.bob)
    # One copy per account and message, however many recipients lead there.
    assert len(alice) == 2
    assert len(bob) == 1
    assert b"Delivered-To: Sales@EXAMPLE.org\r\n" in alice[0]
    assert b"Delivered-To: Alice+News@Example.Org\r\n" in alice[1]
    assert b"Delivered-To: team@example.org\r\n" in bob[0]


def test_trace_fields_are_added_on_top(mail_daemon, layout):
    client = lmtp(mail_daemon)
    transaction(client, "zed@example.com", ["alice@example.org"], message("Traced"))
    transaction(client, "<>", ["alice@example.org"], message("Bounce"))
    client.quit()
    first, bounce = inbox_messages(layout.alice)
    lines = first.split(b"\r\n")
    assert lines[0] == b"Return-Path: <zed@example.com>"
    assert lines[1] == b"Delivered-To: alice@example.org"
    assert lines[2] == b"Received: from mta.test ([127.0.0.1])"
    assert lines[3].startswith(b"\tby ")
    assert b" with LMTP id " in lines[3]
    assert lines[4].startswith(b"\tfor <alice@example.org>; ")
    assert bounce.startswith(b"Return-Path: <>\r\n")


def _long_line_message() -> bytes:
    return (
        b"From: x@example.com\r\nSubject: long\r\n\r\n"
        + b"A" * 5000
        + b"\r\n.starts with a dot\r\n..two dots\r\n"
        + b"\xff\xfe 8-bit and a NUL \x00 here\r\nbare\nlf and lone\rcr\r\n"
    )


@pytest.mark.parametrize("name", [*corpus.names(), "long-line"])
def test_messages_are_stored_byte_for_byte_apart_from_trace_and_line_ends(
    mail_daemon, layout, name
):
    original = _long_line_message() if name == "long-line" else corpus.load(name)
    # What SMTP can carry: smtplib ends the data with CRLF when the message does not.
    sent = original if original.endswith(b"\r\n") else original + b"\r\n"
    client = lmtp(mail_daemon)
    _, after = transaction(client, "zed@example.com", ["alice@example.org"], original)
    client.quit()
    assert after[0][0] == 250
    (stored,) = inbox_messages(layout.alice)
    assert body_of(stored) == normalize_line_ends(sent)


def test_a_message_over_the_size_limit_is_refused_for_every_recipient(
    mail_daemon, layout, settings
):
    settings.MAX_MESSAGE_SIZE = 2000
    client = lmtp(mail_daemon)
    code, text = client.mail("zed@example.com", ["SIZE=5000"])
    assert code == 552
    assert text.startswith(b"5.3.4")
    _, after = transaction(
        client,
        "zed@example.com",
        ["alice@example.org", "sales@example.org"],
        message("Huge", "z" * 3000 + "\r\n"),
    )
    client.quit()
    assert [(code, text[:5]) for code, text in after] == [(552, "5.3.4"), (552, "5.3.4")]
    assert inbox_messages(layout.alice) == []


def test_no_success_reply_when_the_store_cannot_write(mail_daemon, layout, settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.BLOB_DIR = blocked  # the blob write fails
    client = lmtp(mail_daemon)
    _, after = transaction(client, "zed@example.com", ["alice@example.org"], message("Lost?"))
    client.quit()
    assert after[0][0] == 451
    assert after[0][1].startswith("4.3.0")
    assert not Message.objects.filter(mailbox__account=layout.alice).exists()


def test_pipelined_commands_are_answered_in_order(mail_daemon, layout):
    with socket.create_connection(("127.0.0.1", mail_daemon.port("lmtp")), timeout=30) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220")
        sock.sendall(
            b"LHLO mta.test\r\nMAIL FROM:<zed@example.com>\r\n"
            b"RCPT TO:<alice@example.org>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n"
        )
        replies: list[bytes] = []
        while len(replies) < 5:
            line = reader.readline()
            if line[3:4] == b" ":  # the last line of a reply (LHLO's has several)
                replies.append(line)
        assert [r[:3] for r in replies] == [b"250", b"250", b"250", b"550", b"354"]
        sock.sendall(message("Piped") + b".\r\nQUIT\r\n")
        assert reader.readline().startswith(b"250 2.0.0")
        assert reader.readline().startswith(b"221")
    assert len(inbox_messages(layout.alice)) == 1


# (what the client sends after DATA's 354, up to and including the end marker; the message
# it stands for). A line that starts with a dot is sent with one more (RFC 5321 4.5.2).
_DOT_CASES = {
    "stuffed-first-line": (b"..\r\nsecond\r\n.\r\n", b".\r\nsecond\r\n"),
    "empty-line-after-stuffed-line": (b"..a\r\n\r\n.\r\n", b".a\r\n\r\n"),
    "stuffed-last-line": (b"S: x\r\n\r\nbody\r\n...\r\n.\r\n", b"S: x\r\n\r\nbody\r\n..\r\n"),
    "dot-after-bare-lf-is-data": (b"S: x\r\n\r\na\n.b\r\n.\r\n", b"S: x\r\n\r\na\n.b\r\n"),
    "cr-before-marker-line": (b"S: x\r\n\r\na\r\r\n.\r\n", b"S: x\r\n\r\na\r\r\n"),
    "long-stuffed-line": (
        b"S: x\r\n\r\n.." + b"d" * 150_000 + b"\r\nend\r\n.\r\n",
        b"S: x\r\n\r\n." + b"d" * 150_000 + b"\r\nend\r\n",
    ),
}


@pytest.mark.parametrize("piecemeal", [False, True], ids=["at-once", "byte-by-byte"])
@pytest.mark.parametrize("name", sorted(_DOT_CASES))
def test_data_ends_at_the_lone_dot_and_loses_stuffing_dots(mail_daemon, layout, name, piecemeal):
    wire, meant = _DOT_CASES[name]
    if piecemeal and len(wire) > 1000:
        pytest.skip("byte by byte is for the short cases")
    with socket.create_connection(("127.0.0.1", mail_daemon.port("lmtp")), timeout=30) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220")
        sock.sendall(b"LHLO mta.test\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        sock.sendall(b"MAIL FROM:<zed@example.com>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        assert [reader.readline()[:3] for _ in range(3)] == [b"250", b"250", b"354"]
        # The next command rides along with the end marker (PIPELINING): it is not data.
        for piece in [bytes([b]) for b in wire] if piecemeal else [wire + b"RSET\r\n"]:
            sock.sendall(piece)
        if piecemeal:
            sock.sendall(b"RSET\r\n")
        assert reader.readline().startswith(b"250 2.0.0")
        assert reader.readline().startswith(b"250")  # RSET
    (stored,) = inbox_messages(layout.alice)
    assert body_of(stored) == normalize_line_ends(meant)


def test_concurrent_deliveries_into_one_mailbox_get_unique_ascending_uids(mail_daemon, layout):
    connections, per_connection = 8, 6
    barrier = threading.Barrier(connections)
    failures: list[BaseException] = []
    replies: list[int] = []

    def run(n: int) -> None:
        try:
            client = lmtp(mail_daemon)
            barrier.wait()
            for i in range(per_connection):
                _, after = transaction(
                    client, "zed@example.com", ["alice@example.org"], message(f"c{n} m{i}")
                )
                replies.append(after[0][0])
            client.quit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    total = connections * per_connection
    assert replies == [250] * total
    assert inbox_uids(layout.alice) == list(range(1, total + 1))
    subjects = {body_of(m).split(b"\r\n")[2] for m in inbox_messages(layout.alice)}
    assert len(subjects) == total  # every message arrived once


def test_lmtp_on_a_unix_socket(layout, tmp_path: Path):
    path = tmp_path / "lmtp.sock"
    options = daemon_options()
    daemon = DaemonThread(options.__class__(**{**options.__dict__, "lmtp_unix_socket": str(path)}))
    daemon.start()
    try:
        assert daemon.bound["lmtp-unix"].address == f"unix:{path}"
        client = smtplib.LMTP(str(path), timeout=30)
        client.ehlo("mta.test")
        _, after = transaction(client, "zed@example.com", ["alice@example.org"], message("Unix"))
        client.quit()
    finally:
        daemon.stop()
    assert after[0][0] == 250
    (stored,) = inbox_messages(layout.alice)
    assert b"Received: from mta.test\r\n\tby " in stored  # no client address on a unix socket
