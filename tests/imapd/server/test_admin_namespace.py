"""The Cyrus-style admin namespace: an admin reaches every account as `user/<address>`; an
ordinary account reaches nothing there."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from accounts.models import Account
from tests.imapd.server.clients import Wire, message
from tests.imapd.server.conftest import OTHER_PASSWORD, PASSWORD

ALICE = b"user/alice@example.org"


def _session(daemon, user: str, password: str) -> Wire:
    wire = Wire.connect(daemon)
    assert wire.login(user, password)[-1].startswith(b"L OK")
    return wire


@pytest.fixture
def admin(daemon, alice, bob) -> Wire:
    """bob with the admin role; alice has a folder Work with one message in it and INBOX."""
    alice_wire = _session(daemon, "alice@example.org", PASSWORD)
    alice_wire.command(b"c", b"CREATE Work")
    raw = message("alice's note")
    alice_wire.command(b"a", b"APPEND Work {%d+}\r\n" % len(raw) + raw)
    alice_wire.close()
    account_services.account_update(account=bob, acting_user=None, roles=["admin"])
    return _session(daemon, "bob@example.org", OTHER_PASSWORD)


def _names(lines: list[bytes]) -> list[bytes]:
    return [line.rstrip(b"\r\n").rsplit(b" ", 1)[-1].strip(b'"') for line in lines[:-1]]


def _alice_names(daemon) -> list[bytes]:
    wire = _session(daemon, "alice@example.org", PASSWORD)
    try:
        return _names(wire.command(b"l", b'LIST "" *'))
    finally:
        wire.close()


def test_admin_lists_every_accounts_mailboxes_under_user(admin):
    everything = _names(admin.command(b"l", b'LIST "" "user/*"'))
    assert ALICE in everything
    assert ALICE + b"/Work" in everything
    assert b"user/bob@example.org" in everything
    starting_with_a = _names(admin.command(b"w", b'LIST "" "user/a*"'))
    assert {ALICE, ALICE + b"/Work"} <= set(starting_with_a)
    assert all(name.startswith(ALICE) for name in starting_with_a)
    one_level = _names(admin.command(b"p", b'LIST "" "user/%"'))
    assert ALICE in one_level
    assert ALICE + b"/Work" not in one_level
    top = admin.command(b"t", b'LIST "" "%"')
    assert any(b"\\Noselect" in line and line.rstrip().endswith(b" user") for line in top)


def test_admin_selects_examines_and_statuses_another_accounts_folder(admin):
    status = admin.command(b"s", b'STATUS "user/alice@example.org/Work" (MESSAGES)')
    assert b"(MESSAGES 1)" in status[0]
    assert status[-1].startswith(b"s OK")
    examined = admin.command(b"e", b'EXAMINE "user/alice@example.org/Work"')
    assert b"* 1 EXISTS\r\n" in examined
    assert examined[-1].startswith(b"e OK [READ-ONLY]")
    selected = admin.command(b"x", b'SELECT "user/alice@example.org/Work"')
    assert selected[-1].startswith(b"x OK [READ-WRITE]")
    fetched = b"".join(admin.command(b"f", b"FETCH 1 BODY.PEEK[]"))
    assert b"alice's note" in fetched
    assert admin.command(b"d", b"STORE 1 +FLAGS (\\Deleted)")[-1].startswith(b"d OK")
    expunged = admin.command(b"g", b"EXPUNGE")
    assert b"* 1 EXPUNGE\r\n" in expunged
    assert expunged[-1].startswith(b"g OK")
    inbox = admin.command(b"i", b'SELECT "user/alice@example.org"')
    assert inbox[-1].startswith(b"i OK")


def test_admin_creates_renames_subscribes_and_deletes_in_another_account(admin, daemon):
    assert admin.command(b"c", b'CREATE "user/alice@example.org/Plans"')[-1].startswith(b"c OK")
    assert b"Plans" in _alice_names(daemon)
    renamed = admin.command(
        b"r", b'RENAME "user/alice@example.org/Plans" "user/alice@example.org/Done"'
    )
    assert renamed[-1].startswith(b"r OK")
    assert b"Done" in _alice_names(daemon)
    assert b"Plans" not in _alice_names(daemon)
    assert admin.command(b"u", b'SUBSCRIBE "user/alice@example.org/Done"')[-1].startswith(b"u OK")
    subscribed = admin.command(b"ls", b'LSUB "" "user/*"')
    assert _names(subscribed) == [ALICE + b"/Done"]
    assert admin.command(b"d", b'DELETE "user/alice@example.org/Done"')[-1].startswith(b"d OK")
    assert b"Done" not in _alice_names(daemon)


def test_admin_cannot_rename_a_mailbox_into_another_account(admin, daemon):
    moved = admin.command(b"r", b'RENAME "user/alice@example.org/Work" "user/bob@example.org/W"')
    assert moved[-1].startswith(b"r NO")
    assert b"Work" in _alice_names(daemon)


def test_admin_create_user_provisions_an_account_with_or_without_partition(admin, imap_db):
    created = admin.command(b"c", b'CREATE "user/carol@example.org"')
    assert created[-1].startswith(b"c OK")
    carol = Account.objects.get(local_part="carol")
    assert not carol.password
    with_partition = admin.command(b"p", b'CREATE "user/dave@example.org" green')
    assert with_partition[-1].startswith(b"p OK")
    assert Account.objects.filter(local_part="dave").exists()
    assert b"user/carol@example.org" in _names(admin.command(b"l", b'LIST "" "user/c*"'))
    again = admin.command(b"a", b'CREATE "user/carol@example.org"')
    assert again[-1].startswith(b"a NO")
    unknown = admin.command(b"u", b'CREATE "user/eve@unknown.example"')
    assert unknown[-1].startswith(b"u NO")
    assert not Account.objects.filter(local_part="eve").exists()


def test_admin_delete_user_deletes_the_account(admin, imap_db):
    assert admin.command(b"d", b'DELETE "user/alice@example.org"')[-1].startswith(b"d OK")
    assert not Account.objects.filter(local_part="alice").exists()
    gone = admin.command(b"s", b'SELECT "user/alice@example.org"')
    assert gone[-1].startswith(b"s NO")


def test_deleting_a_folder_with_children_leaves_a_placeholder_until_its_last_child(admin):
    admin.command(b"c", b'CREATE "user/alice@example.org/Work/2024"')
    assert admin.command(b"d", b'DELETE "user/alice@example.org/Work"')[-1].startswith(b"d OK")
    listed = admin.command(b"l", b'LIST "" "user/alice@example.org/Work"')
    assert b"\\Noselect" in listed[0]
    child = admin.command(b"e", b'DELETE "user/alice@example.org/Work/2024"')
    assert child[-1].startswith(b"e OK")
    left = _names(admin.command(b"m", b'LIST "" "user/alice@example.org/*"'))
    assert not any(name.startswith(ALICE + b"/Work") for name in left)


def test_admin_quota_commands_name_the_owners_root(admin):
    root = admin.command(b"q", b'GETQUOTAROOT "user/alice@example.org/Work"')
    assert root[0] == b"* QUOTAROOT user/alice@example.org/Work user/alice@example.org\r\n"
    assert root[-1].startswith(b"q OK")
    assert admin.command(b"s", b'SETQUOTA "user/alice@example.org" (STORAGE 100)')[-1].startswith(
        b"s OK"
    )
    got = b"".join(admin.command(b"g", b'GETQUOTA "user/alice@example.org"'))
    assert b"STORAGE" in got
    assert b" 100)" in got


def test_ordinary_account_reaches_nothing_under_user(daemon, alice, bob):
    wire = _session(daemon, "alice@example.org", PASSWORD)
    assert b"bob@example.org" not in b"".join(wire.command(b"l", b'LIST "" *'))
    assert wire.command(b"s", b'SELECT "user/bob@example.org"')[-1].startswith(b"s NO")
    assert wire.command(b"t", b'STATUS "user/bob@example.org" (MESSAGES)')[-1].startswith(b"t NO")
    assert wire.command(b"c", b'CREATE "user/carol@example.org"')[-1].startswith(b"c NO")
    assert wire.command(b"k", b'CREATE "user/bob@example.org/X"')[-1].startswith(b"k NO")
    assert wire.command(b"d", b'DELETE "user/bob@example.org"')[-1].startswith(b"d NO")
    assert wire.command(b"q", b'GETQUOTAROOT "user/bob@example.org"')[-1].startswith(b"q NO")
    assert Account.objects.filter(local_part="bob").exists()
    assert not Account.objects.filter(local_part="carol").exists()
