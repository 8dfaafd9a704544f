"""Access control lists (RFC 4314): an owner shares a folder, the grantee reaches it as
`user/<owner>/<folder>` and can do exactly what the rights allow, nothing more."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from tests.imapd.server.clients import Wire, message
from tests.imapd.server.conftest import OTHER_PASSWORD, PASSWORD

WORK = b'"user/alice@example.org/Work"'


def _session(daemon, user: str, password: str) -> Wire:
    wire = Wire.connect(daemon)
    assert wire.login(user, password)[-1].startswith(b"L OK")
    return wire


@pytest.fixture
def owner(daemon, alice, bob) -> Wire:
    """alice, with a folder Work holding one unseen message."""
    wire = _session(daemon, "alice@example.org", PASSWORD)
    wire.command(b"c", b"CREATE Work")
    raw = message("alice's work")
    wire.command(b"a", b"APPEND Work {%d+}\r\n" % len(raw) + raw)
    return wire


@pytest.fixture
def grantee(daemon, owner) -> Wire:
    return _session(daemon, "bob@example.org", OTHER_PASSWORD)


def _grant(owner: Wire, identifier: bytes, rights: bytes) -> None:
    lines = owner.command(b"g", b"SETACL Work " + identifier + b" " + rights)
    assert lines == [b"g OK Setacl completed.\r\n"]


def _append(wire: Wire, tag: bytes, mailbox: bytes) -> bytes:
    raw = message("from bob")
    return wire.command(tag, b"APPEND " + mailbox + b" {%d+}\r\n" % len(raw) + raw)[-1]


def test_capabilities_announce_acl_and_rights(daemon, owner):
    assert b" ACL" in owner.command(b"c", b"CAPABILITY")[0]
    assert b" RIGHTS=texk" in owner.command(b"d", b"CAPABILITY")[0]
    fresh = Wire.connect(daemon)
    assert b" ACL" in fresh.command(b"c", b"CAPABILITY")[0]


def test_without_rights_a_shared_name_is_indistinguishable_from_a_missing_one(grantee):
    assert b"alice" not in b"".join(grantee.command(b"l", b'LIST "" *'))
    for mailbox in (WORK, b'"user/alice@example.org/Nowhere"', b'"user/nobody@example.org"'):
        answer = grantee.command(b"s", b"SELECT " + mailbox)[-1]
        assert answer.startswith(b"s NO [NONEXISTENT]")
    assert grantee.command(b"t", b"STATUS " + WORK + b" (MESSAGES)")[-1].startswith(
        b"t NO [NONEXISTENT]"
    )
    assert _append(grantee, b"a", WORK).startswith(b"a NO [NONEXISTENT]")
    assert grantee.command(b"g", b"GETACL " + WORK)[-1].startswith(b"g NO [NONEXISTENT]")
    assert grantee.command(b"m", b"MYRIGHTS " + WORK)[-1].startswith(b"m NO [NONEXISTENT]")
    setacl = grantee.command(b"x", b"SETACL " + WORK + b" bob@example.org lrswipkxtea")
    assert setacl[-1].startswith(b"x NO")


def test_lookup_only_lists_the_folder_but_does_not_open_it(owner, grantee):
    _grant(owner, b"bob@example.org", b"l")
    listed = grantee.command(b"l", b'LIST "" "*"')
    assert b'* LIST (\\Noselect \\HasChildren) "/" user\r\n' in listed
    assert b'* LIST (\\Noselect \\HasChildren) "/" user/alice@example.org\r\n' in listed
    assert b'* LIST (\\HasNoChildren) "/" user/alice@example.org/Work\r\n' in listed
    assert grantee.command(b"s", b"SELECT " + WORK)[-1].startswith(b"s NO [NOPERM]")
    assert grantee.command(b"t", b"STATUS " + WORK + b" (MESSAGES)")[-1].startswith(
        b"t NO [NOPERM]"
    )
    assert grantee.command(b"m", b"MYRIGHTS " + WORK)[0] == (
        b'* MYRIGHTS user/alice@example.org/Work "l"\r\n'
    )


def test_read_only_grant_reads_without_changing_anything(owner, grantee):
    _grant(owner, b"bob@example.org", b"lr")
    assert grantee.command(b"s", b"SELECT " + WORK)[-1].startswith(b"s OK")
    fetched = b"".join(grantee.command(b"f", b"FETCH 1 (BODY[] FLAGS)"))
    assert b"alice's work" in fetched
    assert b"\\Seen" not in fetched
    for tag, flags in ((b"a", b"\\Seen"), (b"b", b"\\Flagged"), (b"c", b"\\Deleted")):
        answer = grantee.command(tag, b"STORE 1 +FLAGS (" + flags + b")")[-1]
        assert answer.startswith(tag + b" NO [NOPERM]")
    assert grantee.command(b"e", b"EXPUNGE")[-1].startswith(b"e NO [NOPERM]")
    assert grantee.command(b"m", b"MOVE 1 INBOX")[-1].startswith(b"m NO [NOPERM]")
    # The store keeps message contents per account: no copy leaves the owner's account.
    assert grantee.command(b"cp", b"COPY 1 INBOX")[-1].startswith(b"cp NO [CANNOT]")
    assert _append(grantee, b"ap", WORK).startswith(b"ap NO [NOPERM]")
    assert grantee.command(b"d", b"DELETE " + WORK)[-1].startswith(b"d NO [NOPERM]")
    create = grantee.command(b"k", b'CREATE "user/alice@example.org/Work/Sub"')
    assert create[-1].startswith(b"k NO [NOPERM]")
    rename = grantee.command(
        b"r", b'RENAME "user/alice@example.org/Work" "user/alice@example.org/W"'
    )
    assert rename[-1].startswith(b"r NO [NOPERM]")
    assert grantee.command(b"g", b"GETACL " + WORK)[-1].startswith(b"g NO [NOPERM]")
    setacl = grantee.command(b"x", b"SETACL " + WORK + b" bob@example.org lrswipkxtea")
    assert setacl[-1].startswith(b"x NO [NOPERM]")
    assert grantee.command(b"cl", b"CLOSE")[-1].startswith(b"cl OK")
    owner.command(b"s", b"SELECT Work")
    assert b"FLAGS ()" in b"".join(owner.command(b"f", b"FETCH 1 FLAGS"))


def test_full_grant_allows_flags_expunge_append_create_and_delete(owner, grantee):
    _grant(owner, b"bob@example.org", b"lrswipkxtea")
    assert grantee.command(b"s", b"SELECT " + WORK)[-1].startswith(b"s OK")
    assert grantee.command(b"f", b"STORE 1 +FLAGS (\\Seen \\Flagged)")[-1].startswith(b"f OK")
    assert grantee.command(b"d", b"STORE 1 +FLAGS (\\Deleted)")[-1].startswith(b"d OK")
    assert b"* 1 EXPUNGE\r\n" in grantee.command(b"e", b"EXPUNGE")
    assert _append(grantee, b"a", WORK).startswith(b"a OK")
    create = grantee.command(b"k", b'CREATE "user/alice@example.org/Work/Sub"')
    assert create[-1].startswith(b"k OK")
    owner_names = b"".join(owner.command(b"l", b'LIST "" "Work/*"'))
    assert b"Work/Sub" in owner_names
    owner.command(b"gs", b"SETACL Work/Sub bob@example.org lrx")
    deleted = grantee.command(b"x", b'DELETE "user/alice@example.org/Work/Sub"')
    assert deleted[-1].startswith(b"x OK")
    assert b"Work/Sub" not in b"".join(owner.command(b"l2", b'LIST "" "Work/*"'))


def test_grantee_with_admin_right_manages_the_acl(owner, grantee, daemon):
    _grant(owner, b"bob@example.org", b"lra")
    assert grantee.command(b"s", b"SETACL " + WORK + b" anyone l") == [
        b"s OK Setacl completed.\r\n"
    ]
    acl = grantee.command(b"g", b"GETACL " + WORK)
    assert acl[0] == (
        b"* ACL user/alice@example.org/Work alice@example.org lrswipkxtecda"
        b" anyone l bob@example.org lra\r\n"
    )


def test_negative_rights_take_away_what_anyone_grants(owner, grantee):
    _grant(owner, b"anyone", b"lr")
    _grant(owner, b"-bob@example.org", b"r")
    assert grantee.command(b"m", b"MYRIGHTS " + WORK)[0] == (
        b'* MYRIGHTS user/alice@example.org/Work "l"\r\n'
    )
    assert grantee.command(b"s", b"SELECT " + WORK)[-1].startswith(b"s NO [NOPERM]")


def test_getacl_setacl_deleteacl_with_rfc2086_rights(owner):
    assert owner.command(b"g", b"GETACL Work") == [
        b"* ACL Work alice@example.org lrswipkxtecda\r\n",
        b"g OK Getacl completed.\r\n",
    ]
    _grant(owner, b"bob@example.org", b"lrswipcda")
    assert owner.command(b"h", b"GETACL Work")[0] == (
        b"* ACL Work alice@example.org lrswipkxtecda bob@example.org lrswipkxtecda\r\n"
    )
    _grant(owner, b"bob@example.org", b"-d")
    assert owner.command(b"i", b"GETACL Work")[0].endswith(b" bob@example.org lrswipkca\r\n")
    assert owner.command(b"d", b"DELETEACL Work bob@example.org") == [
        b"d OK Deleteacl completed.\r\n"
    ]
    assert owner.command(b"j", b"GETACL Work")[0] == (
        b"* ACL Work alice@example.org lrswipkxtecda\r\n"
    )
    assert owner.command(b"z", b"SETACL Work bob@example.org lz")[-1].startswith(b"z NO")
    assert owner.command(b"o", b"SETACL Work alice@example.org l")[-1].startswith(b"o NO")


def test_listrights_and_myrights(owner):
    rights = owner.command(b"l", b"LISTRIGHTS Work bob@example.org")
    assert rights[0] == b'* LISTRIGHTS Work bob@example.org "" l r s w i p k x t e a c d\r\n'
    mine = owner.command(b"o", b"LISTRIGHTS Work alice@example.org")
    assert mine[0] == b'* LISTRIGHTS Work alice@example.org "lrswipkxtecda"\r\n'


def test_revoking_hides_the_folder_again(owner, grantee):
    _grant(owner, b"bob@example.org", b"lr")
    assert b"user/alice@example.org/Work" in b"".join(grantee.command(b"l", b'LIST "" *'))
    owner.command(b"d", b"DELETEACL Work bob@example.org")
    assert b"alice" not in b"".join(grantee.command(b"m", b'LIST "" *'))
    assert grantee.command(b"s", b"SELECT " + WORK)[-1].startswith(b"s NO [NONEXISTENT]")


def test_admin_reads_and_writes_another_accounts_acl(owner, bob, daemon):
    account_services.account_update(account=bob, acting_user=None, roles=["admin"])
    admin = _session(daemon, "bob@example.org", OTHER_PASSWORD)
    assert admin.command(b"s", b"SETACL " + WORK + b' "carol@example.org" "lrs"') == [
        b"s OK Setacl completed.\r\n"
    ]
    acl = admin.command(b"g", b"GETACL " + WORK)
    assert acl[0].endswith(b" carol@example.org lrs\r\n")
    assert admin.command(b"m", b"MYRIGHTS " + WORK)[0].endswith(b'"lrswipkxtecda"\r\n')


def test_rights_of_a_deleted_account_do_not_pass_to_a_new_one_of_that_address(
    owner, grantee, bob, domain
):
    _grant(owner, b"bob@example.org", b"lr")
    _grant(owner, b"-anyone", b"w")
    account_services.account_delete(account=bob, acting_user=None)
    reborn = account_services.account_create(
        domain=domain, local_part="bob", password=OTHER_PASSWORD, acting_user=None
    )
    assert reborn.pk != bob.pk
    acl = owner.command(b"g", b"GETACL Work")[0]
    assert acl == b"* ACL Work alice@example.org lrswipkxtecda -anyone w\r\n"
