"""Over IMAP, with the real daemon: an encrypted account's FETCH, SEARCH and COPY answer exactly
what an account in clear answers; a login settles and rotates keys in the background."""

from __future__ import annotations

import time

import pytest

from accounts import services as account_services
from accounts.models import Account
from imapd.crypto import envelope
from imapd.crypto.models import AccountKeyPair, KeyPairState
from imapd.crypto.services import account_keys_rotate
from imapd.models import MessageContent
from moderation.models import ActionKind, ActionState, PendingAction
from tests.crypto.conftest import (
    MARKERS,
    NEW_PASSWORD,
    PASSWORD,
    database_text,
    deliver,
    message,
    plaintext_found,
)
from tests.imapd.server.clients import Wire

pytestmark = pytest.mark.slow

MULTIPART = (
    b"From: Zed <zed@far-away.example>\r\nTo: alice@example.org\r\nCc: Carol <carol@x.example>\r\n"
    b"Subject: =?utf-8?q?R=C3=A9union?= planning\r\nDate: Wed, 04 Jun 2025 09:00:00 +0000\r\n"
    b"X-Tracker: ticket-4711\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"Q2Fmw6kgYXZlYyBsZXMgY29sbMOoZ3Vlcw==\r\n"
    b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>agenda attached</p>\r\n--b--\r\n"
)
FETCH = b"FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[] BINARY.PEEK[1])"
SEARCHES = (
    b"SUBJECT zanzibar",
    b"SUBJECT r\xc3\xa9union",
    b"FROM quixote",
    b"CC carol",
    b"NOT FROM zed",
    b"BODY armadillo",
    b"BODY coll\xc3\xa8gues",
    b"TEXT ticket-4711",
    b"HEADER X-Tracker 4711",
    b"OR SUBJECT 2 BODY agenda",
    b"UNSEEN SUBJECT marker",
)


@pytest.fixture
def accounts(imap_db, settings) -> tuple[Account, Account]:
    """alice encrypted (created under MAIL_ENCRYPTION=new), bob in clear, same password."""
    domain = account_services.domain_create(name="example.org", acting_user=None)
    settings.MAIL_ENCRYPTION = "off"
    bob = account_services.account_create(
        domain=domain, local_part="bob", password=PASSWORD, acting_user=None
    )
    settings.MAIL_ENCRYPTION = "new"
    alice = account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )
    return alice, bob


def _session(daemon, account: Account, password: str = PASSWORD) -> Wire:
    wire = Wire.connect(daemon)
    assert wire.login(account.address, password)[-1].startswith(b"L OK")
    return wire


def _fill(wire: Wire) -> None:
    for n, raw in enumerate([message(0), message(1), MULTIPART, message(2)]):
        flags = b"(\\Seen) " if n % 2 else b""
        date = b'"04-Jun-2025 10:00:00 +0000" '
        lines = wire.command(b"ap", b"APPEND INBOX " + flags + date + b"{%d+}\r\n" % len(raw) + raw)
        assert lines[-1].startswith(b"ap OK"), lines
    assert wire.command(b"s", b"SELECT INBOX")[-1].startswith(b"s OK")


def _answers(wire: Wire) -> list[list[bytes]]:
    out = [wire.command(b"f", FETCH)]
    out += [wire.command(b"q", b"SEARCH CHARSET UTF-8 " + criteria) for criteria in SEARCHES]
    wire.command(b"c", b"COPY 1:* Archive")
    wire.command(b"x", b"SELECT Archive")
    out.append(wire.command(b"f", FETCH))
    return out


def test_fetch_search_and_copy_of_encrypted_mail_answer_like_mail_in_clear(daemon, accounts):
    alice, bob = accounts
    clear, sealed = _session(daemon, bob), _session(daemon, alice)
    _fill(clear)
    _fill(sealed)
    expected = _answers(clear)
    assert b"zanzibar" in b"".join(expected[0]).lower()  # the FETCH carried the bodies
    assert [lines[-1][:4] for lines in expected[1:-1]] == [b"q OK"] * len(SEARCHES)
    assert _answers(sealed) == expected
    assert MessageContent.objects.filter(account=alice, key_pair__isnull=True).count() == 0
    clear.close()
    sealed.close()
    account_services.account_delete(account=bob, acting_user=None)
    assert plaintext_found(database_text(), (*MARKERS, "ticket-4711", "agenda")) == []


def test_without_the_key_fetch_is_refused_and_the_session_goes_on(recovery_key, daemon, accounts):
    alice, _ = accounts
    deliver(alice, message(1))
    # Reset by an admin: with a recovery key configured the mail waits for the operator.
    account_services.account_set_password(account=alice, password=NEW_PASSWORD, acting_user=None)
    wire = _session(daemon, alice, NEW_PASSWORD)
    wire.command(b"s", b"SELECT INBOX")
    refused = wire.command(b"f", b"FETCH 1 BODY.PEEK[]")
    assert refused[-1].startswith(b"f NO [UNAVAILABLE]")
    assert wire.command(b"f2", b"FETCH 1 (UID FLAGS RFC822.SIZE)")[-1].startswith(b"f2 OK")


def _wait_for(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_login_settles_the_delivered_keys_in_the_background(daemon, accounts):
    alice, _ = accounts
    for n in range(30):
        deliver(alice, message(n))

    def forms() -> set[int]:
        return {
            bytes(k or b"")[0] for k in MessageContent.objects.values_list("sealed_key", flat=True)
        }

    assert forms() == {envelope.HPKE_FORM}
    wire = _session(daemon, alice)
    _wait_for(lambda: forms() == {envelope.STORAGE_FORM}, "the keys to be settled")
    wire.command(b"s", b"SELECT INBOX")
    lines = wire.command(b"f", b"FETCH 30 BODY.PEEK[TEXT]")
    assert b"number 29" in b"".join(lines)


def test_an_ordered_rotation_runs_at_the_next_imap_login(daemon, accounts):
    alice, _ = accounts
    for n in range(25):
        deliver(alice, message(n))
    account_keys_rotate(account=alice, acting_user=None)
    old = AccountKeyPair.objects.get(account=alice)
    wire = _session(daemon, alice)
    deliver(alice, message(25))  # during the rotation
    _wait_for(
        lambda: PendingAction.objects.get(kind=ActionKind.REKEY).state == ActionState.DONE,
        "the rotation to finish",
    )
    assert not AccountKeyPair.objects.filter(pk=old.pk).exists()
    assert AccountKeyPair.objects.get(account=alice).state == KeyPairState.CURRENT
    wire.close()
    fresh = _session(daemon, alice)
    fresh.command(b"s", b"SELECT INBOX")
    lines = b"".join(fresh.command(b"f", b"FETCH 1:* BODY.PEEK[TEXT]"))
    assert [f"number {n}".encode() in lines for n in range(26)] == [True] * 26
