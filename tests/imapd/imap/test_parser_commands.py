"""parse_command for every command and argument form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from imapd.imap import commands as c
from imapd.imap.parser import ParseError, parse_command
from imapd.imap.search import AllKey, FlagKey
from imapd.imap.sequence import SequenceSet
from tests.imapd.imap.helpers import parse


def seqset(text: str) -> SequenceSet:
    return SequenceSet.parse(text)


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("CAPABILITY", c.CapabilityCommand),
        ("NOOP", c.NoopCommand),
        ("LOGOUT", c.LogoutCommand),
        ("STARTTLS", c.StartTlsCommand),
        ("NAMESPACE", c.NamespaceCommand),
        ("IDLE", c.IdleCommand),
        ("CHECK", c.CheckCommand),
        ("CLOSE", c.CloseCommand),
        ("UNSELECT", c.UnselectCommand),
        ("EXPUNGE", c.ExpungeCommand),
    ],
)
def test_commands_without_arguments_are_case_insensitive(name, command):
    assert parse(b"t1 " + name.encode() + b"\r\n") == command("t1")
    assert parse(b"t2 " + name.lower().encode() + b"\r\n") == command("t2")
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"t3 " + name.encode() + b" extra\r\n")
    assert excinfo.value.tag == "t3"


def test_trailing_spaces_and_bare_lf_are_tolerated():
    assert parse(b"a1 NOOP  \r\n") == c.NoopCommand("a1")
    assert parse(b"a1 NOOP\n") == c.NoopCommand("a1")
    assert parse_command(b"a1 NOOP") == c.NoopCommand("a1")


def test_tags_may_hold_any_astring_char_except_plus():
    assert parse_command(b"A.1]x NOOP\r\n").tag == "A.1]x"
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a+1 NOOP\r\n")
    assert excinfo.value.tag is None


# -- LOGIN / AUTHENTICATE / ID / ENABLE ----------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "username", "password"),
    [
        (b"a LOGIN alice secret\r\n", "alice", "secret"),
        (b'a LOGIN "alice" "sp ace"\r\n', "alice", "sp ace"),
        (b'a LOGIN "al\\"ice" "back\\\\slash"\r\n', 'al"ice', "back\\slash"),
        (b"a LOGIN {5}\r\nalice {7}\r\np\r\nw\x01rd\r\n", "alice", "p\r\nw\x01rd"),
        (b"a LOGIN {5+}\r\nalice {3+}\r\npw!\r\n", "alice", "pw!"),
        (b'a LOGIN alice@example.org "p\xc3\xa4ss"\r\n', "alice@example.org", "päss"),
        (b'a LOGIN "" ""\r\n', "", ""),
    ],
)
def test_login_takes_two_astrings_in_any_form(wire, username, password):
    command = parse(wire)
    assert command == c.LoginCommand("a", username, password)


def test_login_password_is_kept_out_of_repr():
    command = parse_command(b"a LOGIN alice hunter2\r\n")
    assert "hunter2" not in repr(command)
    assert "alice" in repr(command)


def test_login_needs_both_arguments():
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a7 LOGIN alice\r\n")
    assert excinfo.value.tag == "a7"
    assert excinfo.value.message == "Missing argument"


def test_authenticate_with_and_without_initial_response():
    assert parse(b"a AUTHENTICATE plain\r\n") == c.AuthenticateCommand("a", "PLAIN", None)
    command = parse(b"a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n")
    assert command == c.AuthenticateCommand("a", "PLAIN", b"\x00alice\x00secret")
    assert "secret" not in repr(command)
    empty = parse(b"a AUTHENTICATE EXTERNAL =\r\n")
    assert empty == c.AuthenticateCommand("a", "EXTERNAL", b"")
    assert parse(b"a AUTHENTICATE SCRAM-SHA-256\r\n").mechanism == "SCRAM-SHA-256"


@pytest.mark.parametrize(
    "wire",
    [b"a AUTHENTICATE PLAIN abc\r\n", b"a AUTHENTICATE PLAIN ab!=\r\n", b"a AUTHENTICATE\r\n"],
)
def test_authenticate_rejects_bad_base64_and_missing_mechanism(wire):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    assert excinfo.value.tag == "a"


def test_id_nil_list_and_empty_list():
    assert parse(b"a ID NIL\r\n") == c.IdCommand("a", None)
    assert parse(b"a ID ()\r\n") == c.IdCommand("a", ())
    command = parse(b'a ID ("name" "Thunderbird" "version" NIL "os" {5}\r\nLinux)\r\n')
    assert command == c.IdCommand(
        "a", (("name", "Thunderbird"), ("version", None), ("os", "Linux"))
    )


def test_id_rejects_odd_lists_and_more_than_thirty_pairs():
    with pytest.raises(ParseError):
        parse_command(b'a ID ("name")\r\n')
    pairs = b" ".join(b'"k%d" "v"' % index for index in range(31))
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a ID (" + pairs + b")\r\n")
    assert excinfo.value.message == "Too many ID fields"


def test_enable_upper_cases_capabilities():
    command = parse(b"a ENABLE condstore UTF8=ACCEPT QRESYNC\r\n")
    assert command == c.EnableCommand("a", ("CONDSTORE", "UTF8=ACCEPT", "QRESYNC"))
    with pytest.raises(ParseError):
        parse_command(b"a ENABLE\r\n")


# -- mailbox commands ----------------------------------------------------------------------


def test_select_and_examine_decode_names_and_spell_inbox_canonically():
    assert parse(b"a SELECT inbox\r\n") == c.SelectCommand("a", "INBOX")
    assert parse(b'a EXAMINE "Entw&APw-rfe"\r\n') == c.SelectCommand("a", "Entwürfe", readonly=True)
    assert parse(b"a SELECT {5}\r\niNbOx\r\n").mailbox == "INBOX"
    assert parse(b"a SELECT INBOX/sub\r\n").mailbox == "INBOX/sub"


def test_select_parameters_condstore_and_qresync():
    assert parse(b"a SELECT INBOX (CONDSTORE)\r\n").condstore
    command = parse(b"a SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))\r\n")
    assert command.qresync == c.QResyncParams(67890007, 90060115194045000, seqset("41:211,214:541"))
    command = parse(b"a EXAMINE INBOX (QRESYNC (1 2 (1:3 10:12)))\r\n")
    assert command.qresync == c.QResyncParams(1, 2, None, seqset("1:3"), seqset("10:12"))
    assert parse(b"a SELECT INBOX (QRESYNC (1 2))\r\n").qresync == c.QResyncParams(1, 2)


@pytest.mark.parametrize(
    "wire",
    [
        b"a SELECT INBOX (FOO)\r\n",
        b"a SELECT INBOX ()\r\n",
        b"a SELECT INBOX (CONDSTORE CONDSTORE)\r\n",
        b"a SELECT INBOX (QRESYNC (0 2))\r\n",
        b"a SELECT INBOX (QRESYNC (1 2 1:*))\r\n",
        b"a SELECT INBOX (CONDSTORE\r\n",
    ],
)
def test_select_rejects_bad_parameters(wire):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    assert excinfo.value.tag == "a"


def test_mailbox_names_are_decoded_from_modified_utf7():
    assert parse(b"a CREATE &ZeVnLIqe-/&U,BTFw-\r\n").mailbox == "日本語/台北"
    assert parse(b'a DELETE "Tom &- Jerry"\r\n') == c.DeleteCommand("a", "Tom & Jerry")


@pytest.mark.parametrize(
    "wire",
    [b"a SELECT &AOk\r\n", b'a SELECT "caf\xc3\xa9"\r\n', b"a DELETE {3}\r\na\r\nb\r\n"],
)
def test_invalid_modified_utf7_is_rejected_with_the_tag(wire):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    assert excinfo.value.tag == "a"
    assert "UTF-7" in excinfo.value.message


def test_create_with_special_use_and_cyrus_partition_in_either_order():
    assert parse(b"a CREATE Drafts2\r\n") == c.CreateCommand("a", "Drafts2")
    command = parse(b"a CREATE MyDrafts (USE (\\drafts \\Archive))\r\n")
    assert command.special_use == ("\\Drafts", "\\Archive")
    command = parse(b"a CREATE user/bob@x.org partition1\r\n")
    assert command == c.CreateCommand("a", "user/bob@x.org", (), "partition1")
    command = parse(b"a CREATE x partition1 (USE (\\Sent))\r\n")
    assert (command.special_use, command.partition) == (("\\Sent",), "partition1")


def test_create_refuses_unknown_special_use_with_useattr():
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a CREATE x (USE (\\Important))\r\n")
    error = excinfo.value
    assert (error.tag, error.status, error.code) == ("a", "NO", "USEATTR")
    with pytest.raises(ParseError):
        parse_command(b"a CREATE x (FOO (\\Sent))\r\n")
    with pytest.raises(ParseError):
        parse_command(b"a CREATE x p1 p2\r\n")


def test_rename_with_optional_partition():
    assert parse(b"a RENAME old new\r\n") == c.RenameCommand("a", "old", "new")
    assert parse(b'a RENAME "a b" c part2\r\n') == c.RenameCommand("a", "a b", "c", "part2")
    with pytest.raises(ParseError):
        parse_command(b"a RENAME old\r\n")


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("DELETE", c.DeleteCommand),
        ("SUBSCRIBE", c.SubscribeCommand),
        ("UNSUBSCRIBE", c.UnsubscribeCommand),
        ("GETQUOTAROOT", c.GetQuotaRootCommand),
        ("GETACL", c.GetAclCommand),
        ("MYRIGHTS", c.MyRightsCommand),
    ],
)
def test_single_mailbox_commands(name, command):
    assert parse(b"a " + name.encode() + b' "Sent Items"\r\n') == command("a", "Sent Items")
    with pytest.raises(ParseError):
        parse_command(b"a " + name.encode() + b"\r\n")


def test_list_reference_and_wildcard_patterns():
    assert parse(b'a LIST "" *\r\n') == c.ListCommand("a", "", ("*",))
    assert parse(b'a LIST "" ""\r\n') == c.ListCommand("a", "", ("",))
    assert parse(b"a LIST Archive/ %/2024*\r\n") == c.ListCommand("a", "Archive/", ("%/2024*",))
    assert parse(b'a LIST "" "&AOk-t&AOk-/%"\r\n').patterns == ("été/%",)
    assert parse(b'a LIST "" {3}\r\nfoo\r\n').patterns == ("foo",)
    assert parse(b"a LIST ~ x]y\r\n").patterns == ("x]y",)


def test_list_extended_selection_and_return_options():
    command = parse(b'a LIST (special-use) "" * RETURN (SPECIAL-USE)\r\n')
    assert command == c.ListCommand(
        "a", "", ("*",), ("SPECIAL-USE",), ("SPECIAL-USE",), (), extended=True
    )
    command = parse(
        b'a LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Arch*") '
        b"RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n"
    )
    assert command.selection == ("SUBSCRIBED", "RECURSIVEMATCH")
    assert command.patterns == ("INBOX", "Arch*")
    assert command.return_options == ("CHILDREN", "STATUS")
    assert command.status_items == ("MESSAGES", "UNSEEN")
    assert parse(b'a LIST () "" % RETURN ()\r\n').extended


@pytest.mark.parametrize(
    "wire",
    [
        b'a LIST (RECURSIVEMATCH) "" *\r\n',
        b'a LIST (FOO) "" *\r\n',
        b'a LIST "" * RETURN (FOO)\r\n',
        b'a LIST "" * RETURN (CHILDREN CHILDREN)\r\n',
        b'a LIST "" * CHILDREN\r\n',
        b'a LIST ""\r\n',
        b'a LIST "" ()\r\n',
    ],
)
def test_list_rejects_bad_options(wire):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    assert excinfo.value.tag == "a"


def test_lsub():
    assert parse(b'a LSUB "" %\r\n') == c.LsubCommand("a", "", "%")


def test_status_items_are_upper_cased_and_deduplicated():
    command = parse(
        b"a STATUS inbox (messages RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ "
        b"MAILBOXID DELETED MESSAGES)\r\n"
    )
    assert command == c.StatusCommand(
        "a",
        "INBOX",
        (
            "MESSAGES",
            "RECENT",
            "UIDNEXT",
            "UIDVALIDITY",
            "UNSEEN",
            "SIZE",
            "HIGHESTMODSEQ",
            "MAILBOXID",
            "DELETED",
        ),
    )


@pytest.mark.parametrize(
    "wire", [b"a STATUS INBOX ()\r\n", b"a STATUS INBOX (FOO)\r\n", b"a STATUS INBOX MESSAGES\r\n"]
)
def test_status_rejects_unknown_or_missing_items(wire):
    with pytest.raises(ParseError):
        parse_command(wire)


# -- APPEND --------------------------------------------------------------------------------


def test_append_with_only_a_literal():
    command = parse(b"a APPEND INBOX {11}\r\nHello\r\nBody\r\n")
    assert command == c.AppendCommand("a", "INBOX", (c.AppendMessage(b"Hello\r\nBody"),))


def test_append_with_flags_date_and_non_synchronising_literal():
    command = parse(
        b'a APPEND Drafts (\\Draft \\seen $Label) "05-Jan-2024 13:14:15 -0230" {3+}\r\nabc\r\n'
    )
    message = command.messages[0]
    assert message.flags == ("\\Draft", "\\Seen", "$Label")
    zone = timezone(-timedelta(hours=2, minutes=30))
    assert message.internal_date == datetime(2024, 1, 5, 13, 14, 15, tzinfo=zone)
    assert message.content == b"abc"
    assert not message.binary


def test_append_accepts_space_padded_and_one_digit_days():
    command = parse(b'a APPEND INBOX " 5-jan-2024 00:00:00 +0000" {1}\r\nx\r\n')
    assert command.messages[0].internal_date == datetime(2024, 1, 5, tzinfo=UTC)
    command = parse(b'a APPEND INBOX "5-Jan-2024 00:00:00 +0000" {1}\r\nx\r\n')
    assert command.messages[0].internal_date == datetime(2024, 1, 5, tzinfo=UTC)


def test_multiappend_reads_each_message_with_its_own_options():
    wire = (
        b"a APPEND INBOX (\\Seen) {3}\r\none"
        b' "01-Feb-2024 10:00:00 +0000" {3}\r\ntwo'
        b" () ~{4}\r\nth\x00e"
        b" {0}\r\n\r\n"
    )
    messages = parse(wire).messages
    assert [m.content for m in messages] == [b"one", b"two", b"th\x00e", b""]
    assert [m.flags for m in messages] == [("\\Seen",), (), (), ()]
    assert messages[1].internal_date == datetime(2024, 2, 1, 10, tzinfo=UTC)
    assert [m.binary for m in messages] == [False, False, True, False]


def test_append_message_bytes_are_kept_out_of_repr():
    assert b"secret-body".decode() not in repr(parse(b"a APPEND INBOX {11}\r\nsecret-body\r\n"))


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        (b"a APPEND INBOX (\\Recent) {1}\r\nx\r\n", "\\Recent cannot be set by clients"),
        (b"a APPEND INBOX (\\Foo) {1}\r\nx\r\n", "Unknown system flag"),
        (b'a APPEND INBOX "31-Feb-2024 00:00:00 +0000" {1}\r\nx\r\n', "Invalid date-time"),
        (b'a APPEND INBOX "01-Foo-2024 00:00:00 +0000" {1}\r\nx\r\n', "Invalid date-time"),
        (b'a APPEND INBOX "01-Jan-2024 25:00:00 +0000" {1}\r\nx\r\n', "Invalid date-time"),
        (b'a APPEND INBOX "01-Jan-2024 00:00:00 +2460" {1}\r\nx\r\n', "Invalid time zone"),
        (b'a APPEND INBOX "message"\r\n', "Invalid date-time"),
        (b"a APPEND INBOX message\r\n", "Expected the message as a literal"),
        (b"a APPEND INBOX\r\n", "Missing argument"),
        (b"a APPEND INBOX (\\Seen {1}\r\nx\r\n", "Expected an atom"),
    ],
)
def test_append_errors(wire, message):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    assert (excinfo.value.tag, excinfo.value.message) == ("a", message)


def test_literal8_is_refused_outside_append():
    with pytest.raises(ParseError) as excinfo:
        parse(b"a LOGIN ~{3}\r\nabc pw\r\n")
    assert excinfo.value.tag == "a"


# -- quota and ACL -------------------------------------------------------------------------


def test_quota_commands():
    assert parse(b'a GETQUOTA ""\r\n') == c.GetQuotaCommand("a", "")
    assert parse(b'a SETQUOTA "" (storage 512)\r\n') == c.SetQuotaCommand(
        "a", "", (("STORAGE", 512),)
    )
    assert parse(b"a SETQUOTA root ()\r\n") == c.SetQuotaCommand("a", "root", ())
    command = parse(b"a SETQUOTA root (STORAGE 9223372036854775807 MESSAGE 10)\r\n")
    assert command.limits == (("STORAGE", 9223372036854775807), ("MESSAGE", 10))


@pytest.mark.parametrize(
    "wire",
    [
        b"a SETQUOTA root (STORAGE)\r\n",
        b"a SETQUOTA root (STORAGE -1)\r\n",
        b"a SETQUOTA root (STORAGE 1 STORAGE 2)\r\n",
        b"a SETQUOTA root STORAGE 1\r\n",
        b"a SETQUOTA root (STORAGE 9223372036854775808)\r\n",
    ],
)
def test_setquota_errors(wire):
    with pytest.raises(ParseError):
        parse_command(wire)


def test_setacl_modes_and_other_acl_commands():
    assert parse(b"a SETACL INBOX bob lrs\r\n") == c.SetAclCommand("a", "INBOX", "bob", "lrs")
    assert parse(b'a SETACL INBOX "bob" +wi\r\n').mode == "add"
    command = parse(b"a SETACL Shared anyone -x\r\n")
    assert (command.rights, command.mode) == ("x", "remove")
    assert parse(b'a SETACL INBOX bob ""\r\n').rights == ""
    assert parse(b"a DELETEACL INBOX bob\r\n") == c.DeleteAclCommand("a", "INBOX", "bob")
    assert parse(b"a LISTRIGHTS INBOX {3}\r\nbob\r\n") == c.ListRightsCommand("a", "INBOX", "bob")
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a SETACL INBOX bob LR\r\n")
    assert excinfo.value.message == "Invalid rights"


# -- selected state ------------------------------------------------------------------------


def test_uid_expunge_takes_a_uid_set():
    assert parse(b"a UID EXPUNGE 3:5,9\r\n") == c.ExpungeCommand("a", True, seqset("3:5,9"))
    with pytest.raises(ParseError):
        parse_command(b"a UID EXPUNGE\r\n")


@pytest.mark.parametrize(("name", "command"), [("COPY", c.CopyCommand), ("MOVE", c.MoveCommand)])
def test_copy_and_move_with_and_without_uid(name, command):
    wire = f"a {name} 2:4 Trash\r\n".encode()
    assert parse(wire) == command("a", seqset("2:4"), "Trash", False)
    wire = f'a uid {name.lower()} 1:* "&AOk-"\r\n'.encode()
    assert parse(wire) == command("a", seqset("1:*"), "é", True)
    assert parse(f"a {name} $ INBOX\r\n".encode()).sequence_set.saved


@pytest.mark.parametrize(
    ("wire", "mode", "flags", "silent"),
    [
        (b"a STORE 1 FLAGS (\\Seen)\r\n", "replace", ("\\Seen",), False),
        (
            b"a STORE 1 +FLAGS (\\seen \\FLAGGED $Work)\r\n",
            "add",
            ("\\Seen", "\\Flagged", "$Work"),
            False,
        ),
        (b"a STORE 1 -FLAGS.SILENT (\\Deleted)\r\n", "remove", ("\\Deleted",), True),
        (b"a STORE 1 flags.silent ()\r\n", "replace", (), True),
        (b"a STORE 1 +FLAGS \\Answered \\Draft\r\n", "add", ("\\Answered", "\\Draft"), False),
        (b"a STORE 1 +FLAGS (\\Seen \\Seen)\r\n", "add", ("\\Seen",), False),
    ],
)
def test_store_modes_flags_and_silent(wire, mode, flags, silent):
    command = parse(wire)
    assert (command.mode, command.flags, command.silent) == (mode, flags, silent)


def test_uid_store_with_unchangedsince():
    command = parse(b"a UID STORE 1:* (UNCHANGEDSINCE 12345) +FLAGS.SILENT (\\Seen)\r\n")
    assert command == c.StoreCommand(
        "a", seqset("1:*"), "add", ("\\Seen",), True, True, unchanged_since=12345
    )


@pytest.mark.parametrize(
    "wire",
    [
        b"a STORE 1 FLAGS (\\Recent)\r\n",
        b"a STORE 1 FLAGS (\\Foo)\r\n",
        b"a STORE 1 X-GM-LABELS (foo)\r\n",
        b"a STORE 1 FLAGS\r\n",
        b"a STORE 1 FLAGS (\\Seen\r\n",
        b"a STORE 1 (UNCHANGEDSINCE x) FLAGS (\\Seen)\r\n",
        b"a STORE 1 (FOO 1) FLAGS (\\Seen)\r\n",
        b"a STORE 0 FLAGS (\\Seen)\r\n",
        b"a STORE 1 FLAGS (bad]keyword)\r\n",
    ],
)
def test_store_errors(wire):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    assert excinfo.value.tag == "a"


def test_sort_and_thread():
    command = parse(b"a UID SORT (REVERSE ARRIVAL subject) utf-8 UNSEEN\r\n")
    assert command == c.SortCommand(
        "a",
        (c.SortCriterion("ARRIVAL", True), c.SortCriterion("SUBJECT")),
        "UTF-8",
        FlagKey("\\Seen", present=False),
        True,
    )
    command = parse(b"a THREAD REFERENCES US-ASCII ALL\r\n")
    assert command == c.ThreadCommand("a", "REFERENCES", "US-ASCII", AllKey())
    with pytest.raises(ParseError):
        parse_command(b"a SORT (FOO) UTF-8 ALL\r\n")
    with pytest.raises(ParseError):
        parse_command(b"a SORT (DATE) ALL\r\n")
