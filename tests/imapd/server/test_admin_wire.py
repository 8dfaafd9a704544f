"""The wire habits of IMAP::Admin: it asks CAPABILITY before logging in, ends its command lines
with a bare LF, reuses one tag for every command, and reads exactly one line back after LOGIN
and after each mailbox command. (AUTH=CRAM-MD5 before login is covered in test_auth.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accounts import services as account_services
from tests.imapd.server.clients import Wire
from tests.imapd.server.conftest import OTHER_PASSWORD


def _bare_lf(wire: Wire, text: bytes) -> list[bytes]:
    wire.send(b"try " + text + b"\n")
    return wire.until(b"try")


@pytest.fixture
def admin(daemon, alice, bob) -> Iterator[Wire]:
    account_services.account_update(account=bob, acting_user=None, roles=["admin"])
    wire = Wire.connect(daemon)
    yield wire
    wire.close()


def test_capability_before_login_lists_quota(admin):
    lines = _bare_lf(admin, b"CAPABILITY")
    assert lines[0].startswith(b"* CAPABILITY ")
    assert b"QUOTA" in lines[0].split()
    assert lines[-1].startswith(b"try OK")


def test_login_with_bare_lf_answers_one_tagged_line(admin):
    lines = _bare_lf(admin, f'LOGIN "bob@example.org" "{OTHER_PASSWORD}"'.encode())
    assert len(lines) == 1
    assert lines[0].startswith(b"try OK")


def test_mailbox_commands_answer_one_tagged_line_under_one_reused_tag(admin):
    _bare_lf(admin, f'LOGIN "bob@example.org" "{OTHER_PASSWORD}"'.encode())
    commands = [
        b'CREATE "user/alice@example.org/Tools"',
        b'CREATE "user/alice@example.org/Tools/Old" green',
        b'SUBSCRIBE "user/alice@example.org/Tools"',
        b'UNSUBSCRIBE "user/alice@example.org/Tools"',
        b'RENAME "user/alice@example.org/Tools" "user/alice@example.org/Kit"',
        b'RENAME "user/alice@example.org/Kit" "user/alice@example.org/Box" green',
        b'SETQUOTA "user/alice@example.org" (STORAGE 10000)',
        b'SETQUOTA "user/alice@example.org" ()',
        b'DELETE "user/alice@example.org/Box/Old"',
        b'DELETE "user/alice@example.org/Box"',
    ]
    for command in commands:
        lines = _bare_lf(admin, command)
        assert len(lines) == 1, command
        assert lines[0].startswith(b"try OK"), (command, lines)


def test_list_names_are_atoms_or_quoted_strings_never_literals(admin):
    _bare_lf(admin, f'LOGIN "bob@example.org" "{OTHER_PASSWORD}"'.encode())
    for name in ('"With Space"', '"Quote\\"d"', '"Caf&AOk-"'):
        assert _bare_lf(admin, b"CREATE " + name.encode())[-1].startswith(b"try OK")
    lines = _bare_lf(admin, b'LIST "" "*"')
    listed = b"".join(lines[:-1])
    assert b'"With Space"' in listed
    assert b'"Quote\\"d"' in listed
    assert b"Caf&AOk-" in listed
    assert all(b"{" not in line for line in lines)
