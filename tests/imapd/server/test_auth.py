"""Greeting, CAPABILITY and logging in: LOGIN, AUTHENTICATE PLAIN / LOGIN / CRAM-MD5, refusals,
lockout, plaintext rules and the per-account connection limit."""

from __future__ import annotations

import asyncio
import base64
import hmac
import imaplib
from datetime import timedelta

import pytest
from django.utils import timezone
from imapclient import IMAPClient

from accounts import services as account_services
from accounts.models import Account
from imapd.daemon import DaemonThread
from tests.imapd.server.clients import Wire, imap, imap_server, on_loop, unverified_context
from tests.imapd.server.conftest import PASSWORD


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def test_greeting_lists_only_what_works_before_login(daemon, alice):
    wire = Wire.connect(daemon)
    assert wire.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    caps = wire.greeting.split(b"]")[0].split()[3:]
    assert {b"STARTTLS", b"AUTH=PLAIN", b"AUTH=LOGIN", b"IDLE", b"LITERAL+", b"SASL-IR"} <= set(
        caps
    )
    # Extensions for after login are not announced yet; no CRAM-MD5 credential exists.
    assert not {b"MOVE", b"AUTH=CRAM-MD5", b"LOGINDISABLED"} & set(caps)


def test_login_answers_with_capabilities_and_nothing_untagged_first(daemon, alice):
    wire = Wire.connect(daemon)
    lines = wire.login("alice@example.org", PASSWORD)
    assert len(lines) == 1
    assert lines[0].startswith(b"L OK [CAPABILITY IMAP4rev1 ")
    caps = lines[0].split(b"]")[0].split()
    for extension in (b"MOVE", b"UIDPLUS", b"QUOTA", b"CONDSTORE", b"OBJECTID", b"NAMESPACE"):
        assert extension in caps
    assert b"APPENDLIMIT=52428800" in caps
    assert b"STARTTLS" not in caps


def test_wrong_password_is_refused_and_connection_lives(daemon, alice):
    wire = Wire.connect(daemon)
    assert wire.login("alice@example.org", "wrong")[-1].startswith(b"L NO [AUTHENTICATIONFAILED]")
    assert wire.login("nobody@example.org", PASSWORD)[-1].startswith(b"L NO [AUTHENTICATIONFAILED]")
    assert wire.login("alice@example.org", PASSWORD)[-1].startswith(b"L OK")


def test_imapclient_logs_in_and_lists(daemon, alice):
    with IMAPClient("127.0.0.1", port=daemon.port("imap"), ssl=False, timeout=10) as client:
        client.login("alice@example.org", PASSWORD)
        names = [name for _, _, name in client.list_folders()]
        assert names[0] == "INBOX"
        assert {"Drafts", "Sent", "Trash", "Junk", "Archive"} <= set(names)


def test_authenticate_plain_with_initial_response(daemon, alice):
    wire = Wire.connect(daemon)
    token = _b64(b"\x00alice@example.org\x00" + PASSWORD.encode())
    lines = wire.command(b"A", b"AUTHENTICATE PLAIN " + token)
    assert lines[-1].startswith(b"A OK [CAPABILITY ")


def test_authenticate_plain_after_continuation(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b"A AUTHENTICATE PLAIN\r\n")
    assert wire.line() == b"+ \r\n"
    wire.send(_b64(b"alice@example.org\x00alice@example.org\x00" + PASSWORD.encode()) + b"\r\n")
    assert wire.line().startswith(b"A OK [CAPABILITY ")


def test_authenticate_plain_for_another_identity_is_refused(daemon, alice, bob):
    wire = Wire.connect(daemon)
    token = _b64(b"bob@example.org\x00alice@example.org\x00" + PASSWORD.encode())
    assert wire.command(b"A", b"AUTHENTICATE PLAIN " + token)[-1].startswith(
        b"A NO [AUTHORIZATIONFAILED]"
    )


def test_authenticate_can_be_cancelled(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b"A AUTHENTICATE PLAIN\r\n")
    wire.line()
    wire.send(b"*\r\n")
    assert wire.line().startswith(b"A BAD")
    assert wire.command(b"B", b"NOOP")[-1].startswith(b"B OK")


def test_authenticate_login_mechanism(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b"A AUTHENTICATE LOGIN\r\n")
    assert base64.b64decode(wire.line()[2:]) == b"Username:"
    wire.send(_b64(b"alice@example.org") + b"\r\n")
    assert base64.b64decode(wire.line()[2:]) == b"Password:"
    wire.send(_b64(PASSWORD.encode()) + b"\r\n")
    assert wire.line().startswith(b"A OK [CAPABILITY ")


def test_unknown_mechanism_is_refused(daemon, alice):
    wire = Wire.connect(daemon)
    assert wire.command(b"A", b"AUTHENTICATE GSSAPI")[-1].startswith(b"A NO")


def test_cram_md5_works_for_a_cleartext_credential_and_is_then_advertised(daemon, alice):
    carol = account_services.account_create(
        domain=alice.domain, local_part="carol", password=None, acting_user=None
    )
    Account.objects.filter(pk=carol.pk).update(password="{PLAIN}carol-secret")
    wire = Wire.connect(daemon)
    # The availability is checked when the daemon starts and then once a minute.
    on_loop(daemon, imap_server(daemon).check_cram_md5())
    assert b"AUTH=CRAM-MD5" in wire.command(b"C", b"CAPABILITY")[0]
    wire.send(b"A AUTHENTICATE CRAM-MD5\r\n")
    challenge = base64.b64decode(wire.line()[2:].strip())
    assert challenge[:1] + challenge[-1:] == b"<>"
    digest = hmac.new(b"carol-secret", challenge, "md5").hexdigest()
    wire.send(_b64(b"carol@example.org " + digest.encode()) + b"\r\n")
    assert wire.line().startswith(b"A OK [CAPABILITY ")


def test_cram_md5_with_a_wrong_digest_fails(daemon, alice):
    Account.objects.filter(pk=alice.pk).update(password="{PLAIN}" + PASSWORD)
    on_loop(daemon, imap_server(daemon).check_cram_md5())
    wire = Wire.connect(daemon)
    wire.send(b"A AUTHENTICATE CRAM-MD5\r\n")
    wire.line()
    wire.send(_b64(b"alice@example.org " + b"0" * 32) + b"\r\n")
    assert wire.line().startswith(b"A NO [AUTHENTICATIONFAILED]")


def test_cram_md5_is_not_offered_for_hashed_passwords(daemon, alice):
    wire = Wire.connect(daemon)
    assert b"AUTH=CRAM-MD5" not in wire.command(b"C", b"CAPABILITY")[0]
    assert wire.command(b"A", b"AUTHENTICATE CRAM-MD5")[-1].startswith(b"A NO")


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"expires_at": timezone.now() - timedelta(days=1)},
        {"deletion_pending_since": timezone.now()},
    ],
    ids=["disabled", "expired", "pending-deletion"],
)
def test_refused_accounts_cannot_log_in(daemon, alice, change):
    Account.objects.filter(pk=alice.pk).update(**change)
    client = imap(daemon)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.login("alice@example.org", PASSWORD)


def test_disabled_domain_refuses_login(daemon, alice):
    alice.domain.__class__.objects.filter(pk=alice.domain_id).update(is_active=False)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        imap(daemon).login("alice@example.org", PASSWORD)


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(
    daemon, alice, settings
):
    settings.LOGIN_SLOWDOWN_AFTER = 100  # no delays in this test
    settings.LOGIN_MAX_DELAY = 0
    settings.LOGIN_LOCKOUT_ACCOUNT_AFTER = 3
    wire = Wire.connect(daemon)
    for _ in range(3):
        assert wire.login("alice@example.org", "wrong")[-1].startswith(b"L NO")
    assert wire.login("alice@example.org", PASSWORD)[-1].startswith(b"L NO [AUTHENTICATIONFAILED]")


def test_failures_from_one_address_lock_out_that_address(daemon, alice, bob, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 100
    settings.LOGIN_MAX_DELAY = 0
    settings.LOGIN_LOCKOUT_IP_AFTER = 3
    wire = Wire.connect(daemon)
    for n in range(3):
        wire.login(f"nobody{n}@example.org", "wrong")
    assert wire.login("bob@example.org", "other-pw-1")[-1].startswith(b"L NO")


def test_failed_logins_slow_down(daemon, alice, settings):
    """The throttle's delay is slept on the event loop: other sessions keep being served."""
    settings.LOGIN_SLOWDOWN_AFTER = 2
    settings.LOGIN_MAX_DELAY = 1
    slow = Wire.connect(daemon)
    slow.login("alice@example.org", "wrong")
    slow.send(b'L2 LOGIN "alice@example.org" "wrong"\r\n')  # answered after a delay
    other = Wire.connect(daemon)
    assert other.command(b"N", b"NOOP")[-1].startswith(b"N OK")
    assert slow.line().startswith(b"L2 NO [AUTHENTICATIONFAILED]")


def test_remote_plaintext_login_needs_tls(daemon, alice, monkeypatch):
    monkeypatch.setattr("imapd.imap.connection.is_local_address", lambda host: False)
    wire = Wire.connect(daemon)
    caps = wire.greeting.split(b"]")[0].split()
    assert {b"LOGINDISABLED", b"STARTTLS"} <= set(caps)
    assert b"AUTH=PLAIN" not in caps
    assert wire.login("alice@example.org", PASSWORD)[-1].startswith(b"L NO [PRIVACYREQUIRED]")
    token = _b64(b"\x00alice@example.org\x00" + PASSWORD.encode())
    assert wire.command(b"A", b"AUTHENTICATE PLAIN " + token)[-1].startswith(
        b"A NO [PRIVACYREQUIRED]"
    )


def test_remote_plaintext_login_after_starttls_works(daemon, alice, monkeypatch):
    monkeypatch.setattr("imapd.imap.connection.is_local_address", lambda host: False)
    client = imaplib.IMAP4("127.0.0.1", daemon.port("imap"), timeout=10)
    client.starttls(unverified_context())
    assert "LOGINDISABLED" not in client.capabilities
    assert client.login("alice@example.org", PASSWORD)[0] == "OK"


def test_plaintext_setting_allows_remote_login_without_tls(daemon, alice, monkeypatch, settings):
    monkeypatch.setattr("imapd.imap.connection.is_local_address", lambda host: False)
    settings.IMAP_ALLOW_PLAINTEXT_AUTH = True
    daemon.stop()
    restarted = DaemonThread(daemon.options).start()
    try:
        assert imap(restarted).login("alice@example.org", PASSWORD)[0] == "OK"
    finally:
        restarted.stop()


def test_connections_per_account_are_limited(daemon, alice, settings):
    settings.IMAP_MAX_CONNECTIONS_PER_ACCOUNT = 2
    daemon.stop()
    restarted = DaemonThread(daemon.options).start()
    try:
        first = imap(restarted, password=PASSWORD)
        second = imap(restarted, password=PASSWORD)
        with pytest.raises(imaplib.IMAP4.error, match="LIMIT"):
            imap(restarted, password=PASSWORD)
        first.logout()
        assert second.noop()[0] == "OK"
        # The slot is free again once the first connection has gone.
        assert _eventually_logs_in(restarted)
    finally:
        restarted.stop()


def _eventually_logs_in(daemon) -> bool:
    for _ in range(50):
        try:
            imap(daemon, password=PASSWORD)
            return True
        except imaplib.IMAP4.error:
            on_loop(daemon, asyncio.sleep(0.01))
    return False


def test_commands_in_the_wrong_state_are_bad(daemon, alice):
    wire = Wire.connect(daemon)
    assert wire.command(b"S", b"SELECT INBOX")[-1] == b"S BAD Please log in first.\r\n"
    wire.login("alice@example.org", PASSWORD)
    assert wire.command(b"F", b"FETCH 1 FLAGS")[-1] == b"F BAD No mailbox selected.\r\n"
    assert wire.command(b"L2", b"LOGIN a b")[-1].startswith(b"L2 BAD")


def test_logout_says_bye_then_ok_and_closes(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b"Z LOGOUT\r\n")
    assert wire.rest() == [b"* BYE Logging out\r\n", b"Z OK Logout completed.\r\n"]


def test_id_is_answered(daemon, alice):
    wire = Wire.connect(daemon)
    lines = wire.command(b"I", b'ID ("name" "test-client" "version" "1")')
    assert lines[0] == b'* ID ("name" "mailplatform")\r\n'
    assert lines[-1].startswith(b"I OK")
