"""One account never sees or touches another's mailboxes; QUOTA (RFC 9208); ACL seam."""

from __future__ import annotations

import re

import pytest

from accounts import services as account_services
from imapd.models import Mailbox
from tests.imapd.server.clients import Wire, message
from tests.imapd.server.conftest import OTHER_PASSWORD, PASSWORD


def _session(daemon, user: str, password: str) -> Wire:
    wire = Wire.connect(daemon)
    assert wire.login(user, password)[-1].startswith(b"L OK")
    return wire


@pytest.fixture
def alice_wire(daemon, alice, bob) -> Wire:
    bob_wire = _session(daemon, "bob@example.org", OTHER_PASSWORD)
    bob_wire.command(b"c", b"CREATE BobOnly")
    raw = message("bob's secret")
    bob_wire.command(b"a", b"APPEND BobOnly {%d+}\r\n" % len(raw) + raw)
    return _session(daemon, "alice@example.org", PASSWORD)


def test_other_accounts_mailboxes_do_not_exist_for_me(alice_wire):
    wire = alice_wire
    assert b"BobOnly" not in b"".join(wire.command(b"l", b'LIST "" *'))
    assert wire.command(b"s", b"SELECT BobOnly")[-1].startswith(b"s NO [NONEXISTENT]")
    assert wire.command(b"e", b"EXAMINE BobOnly")[-1].startswith(b"e NO [NONEXISTENT]")
    assert wire.command(b"st", b"STATUS BobOnly (MESSAGES)")[-1].startswith(b"st NO")
    assert wire.command(b"r", b"RENAME BobOnly Mine")[-1].startswith(b"r NO")
    assert wire.command(b"d", b"DELETE BobOnly")[-1].startswith(b"d NO")
    raw = message("intrusion")
    assert wire.command(b"a", b"APPEND BobOnly {%d+}\r\n" % len(raw) + raw)[-1].startswith(
        b"a NO [TRYCREATE]"
    )
    assert wire.command(b"g", b"GETQUOTAROOT BobOnly")[-1].startswith(b"g NO")


def test_reserved_shared_names_are_refused(alice_wire):
    wire = alice_wire
    assert wire.command(b"s", b"SELECT user/bob@example.org/BobOnly")[-1].startswith(b"s NO")
    assert wire.command(b"c", b"CREATE user/bob@example.org/Evil")[-1].startswith(b"c NO")


def test_copy_and_move_into_another_accounts_mailbox_fail(alice_wire, bob):
    wire = alice_wire
    raw = message("mine")
    wire.command(b"a", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)
    wire.command(b"s", b"SELECT INBOX")
    assert wire.command(b"c", b"COPY 1 BobOnly")[-1].startswith(b"c NO [TRYCREATE]")
    assert wire.command(b"m", b"MOVE 1 BobOnly")[-1].startswith(b"m NO [TRYCREATE]")
    bob_only = Mailbox.objects.get(account=bob, name="BobOnly")
    assert bob_only.message_count == 1
    # Copies into a same-named mailbox of my own stay mine.
    wire.command(b"cr", b"CREATE BobOnly")
    assert wire.command(b"c2", b"COPY 1 BobOnly")[-1].startswith(b"c2 OK [COPYUID")
    bob_only.refresh_from_db()
    assert bob_only.message_count == 1


def test_getquotaroot_names_the_account(daemon, alice):
    wire = _session(daemon, "alice@example.org", PASSWORD)
    raw = message("q", body="x" * 5000)
    wire.command(b"a", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)
    lines = wire.command(b"q", b"GETQUOTAROOT INBOX")
    assert lines[0] == b"* QUOTAROOT INBOX user/alice@example.org\r\n"
    assert re.match(rb"\* QUOTA user/alice@example.org \(STORAGE 6 1048576\)\r\n", lines[1])
    assert wire.command(b"g", b'GETQUOTA "user/alice@example.org"')[0] == lines[1]


def test_unlimited_account_reports_no_limits(daemon, alice):
    alice.__class__.objects.filter(pk=alice.pk).update(quota_bytes=None)
    wire = _session(daemon, "alice@example.org", PASSWORD)
    assert wire.command(b"g", b'GETQUOTA "user/alice@example.org"')[0] == (
        b"* QUOTA user/alice@example.org ()\r\n"
    )


def test_quota_of_another_account_is_not_mine_to_see_or_set(daemon, alice, bob):
    wire = _session(daemon, "alice@example.org", PASSWORD)
    assert wire.command(b"g", b'GETQUOTA "user/bob@example.org"')[-1].startswith(b"g NO [NOPERM]")
    assert wire.command(b"s", b'SETQUOTA "user/alice@example.org" (STORAGE 10)')[-1].startswith(
        b"s NO [NOPERM]"
    )


def test_admin_sets_quota_and_appends_beyond_it_are_refused(daemon, alice, bob):
    account_services.account_update(account=bob, acting_user=None, roles=["admin"])
    admin = _session(daemon, "bob@example.org", OTHER_PASSWORD)
    lines = admin.command(b"s", b'SETQUOTA "user/alice@example.org" (STORAGE 1)')
    assert len(lines) == 1
    assert lines[-1].startswith(b"s OK")
    quota = admin.command(b"g", b'GETQUOTA "user/alice@example.org"')
    assert quota[0] == b"* QUOTA user/alice@example.org (STORAGE 0 1)\r\n"
    assert admin.command(b"x", b'SETQUOTA "user/alice@example.org" (FOO 5)')[-1].startswith(b"x NO")
    admin.command(b"s2", b'SETQUOTA "user/alice@example.org" (STORAGE 1)')
    assert admin.command(b"n", b'GETQUOTA "user/nobody@example.org"')[-1].startswith(
        b"n NO [NONEXISTENT]"
    )
    wire = _session(daemon, "alice@example.org", PASSWORD)
    raw = message("big", body="y" * 2000)
    assert wire.command(b"a", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)[-1].startswith(
        b"a NO [OVERQUOTA]"
    )
    admin.command(b"r", b'SETQUOTA "user/alice@example.org" ()')
    assert wire.command(b"a2", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)[-1].startswith(b"a2 OK")


def test_message_quota_limits_the_number_of_messages(daemon, alice, bob):
    account_services.account_update(account=bob, acting_user=None, roles=["admin"])
    admin = _session(daemon, "bob@example.org", OTHER_PASSWORD)
    lines = admin.command(b"s", b'SETQUOTA "user/alice@example.org" (STORAGE 1024 MESSAGE 2)')
    assert len(lines) == 1
    lines = admin.command(b"g", b'GETQUOTA "user/alice@example.org"')
    assert lines[0] == b"* QUOTA user/alice@example.org (STORAGE 0 1024 MESSAGE 0 2)\r\n"
    wire = _session(daemon, "alice@example.org", PASSWORD)
    assert b"QUOTA=RES-MESSAGE" in wire.command(b"c", b"CAPABILITY")[0]
    raw = message("small")
    for n in range(2):
        tag = b"a%d" % n
        assert wire.command(tag, b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)[-1].startswith(
            tag + b" OK"
        )
    assert wire.command(b"a3", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)[-1].startswith(
        b"a3 NO [OVERQUOTA]"
    )
    wire.command(b"sel", b"SELECT INBOX")
    assert wire.command(b"c1", b"COPY 1 Archive")[-1].startswith(b"c1 NO [OVERQUOTA]")
    lines = wire.command(b"q", b"GETQUOTAROOT INBOX")
    assert re.match(
        rb"\* QUOTA user/alice@example.org \(STORAGE \d+ 1024 MESSAGE 2 2\)\r\n", lines[1]
    )


def test_myrights_answers_for_own_mailboxes_and_others_acls_are_refused(daemon, alice, bob):
    wire = _session(daemon, "alice@example.org", PASSWORD)
    assert wire.command(b"m", b"MYRIGHTS INBOX")[0] == b'* MYRIGHTS INBOX "lrswipkxtecda"\r\n'
    assert wire.command(b"m2", b"MYRIGHTS Nowhere")[-1].startswith(b"m2 NO")
    bobs = b'"user/bob@example.org"'
    assert wire.command(b"s", b"SETACL " + bobs + b" alice@example.org lr")[-1].startswith(b"s NO")
    assert wire.command(b"g", b"GETACL " + bobs)[-1].startswith(b"g NO")
    assert wire.command(b"m3", b"MYRIGHTS " + bobs)[-1].startswith(b"m3 NO")
