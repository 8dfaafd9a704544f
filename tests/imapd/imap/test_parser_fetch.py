"""FETCH data items, macros and modifiers."""

from __future__ import annotations

import pytest

from imapd.imap.commands import FetchCommand
from imapd.imap.fetch import (
    BinarySection,
    BinarySize,
    BodySection,
    FetchItem,
    Partial,
    Section,
)
from imapd.imap.parser import ParseError, parse_command
from imapd.imap.sequence import SequenceSet
from tests.imapd.imap.helpers import parse


def attributes_of(items: bytes):
    command = parse(b"f FETCH 1:* " + items + b"\r\n")
    assert isinstance(command, FetchCommand)
    return command.attributes


@pytest.mark.parametrize(
    ("macro", "names"),
    [
        (b"ALL", ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE")),
        (b"fast", ("FLAGS", "INTERNALDATE", "RFC822.SIZE")),
        (b"FULL", ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY")),
    ],
)
def test_macros_expand(macro, names):
    assert attributes_of(macro) == tuple(FetchItem(name) for name in names)


@pytest.mark.parametrize(
    "name",
    [
        "ENVELOPE",
        "FLAGS",
        "INTERNALDATE",
        "RFC822",
        "RFC822.HEADER",
        "RFC822.SIZE",
        "RFC822.TEXT",
        "BODY",
        "BODYSTRUCTURE",
        "UID",
        "MODSEQ",
        "EMAILID",
        "THREADID",
    ],
)
def test_simple_items_alone_and_in_lists(name):
    assert attributes_of(name.lower().encode()) == (FetchItem(name),)
    assert attributes_of(b"(UID " + name.encode() + b")")[-1] == FetchItem(name)


@pytest.mark.parametrize(
    ("item", "attribute", "response_name"),
    [
        (b"BODY[]", BodySection(Section()), b"BODY[]"),
        (b"BODY.PEEK[]<0.1024>", BodySection(Section(), True, Partial(0, 1024)), b"BODY[]<0>"),
        (b"body[header]", BodySection(Section((), "HEADER")), b"BODY[HEADER]"),
        (
            b"BODY[TEXT]<10.5>",
            BodySection(Section((), "TEXT"), False, Partial(10, 5)),
            b"BODY[TEXT]<10>",
        ),
        (b"BODY[1]", BodySection(Section((1,))), b"BODY[1]"),
        (b"BODY[1.2.3]", BodySection(Section((1, 2, 3))), b"BODY[1.2.3]"),
        (b"BODY[2.MIME]", BodySection(Section((2,), "MIME")), b"BODY[2.MIME]"),
        (b"BODY[4.2.HEADER]", BodySection(Section((4, 2), "HEADER")), b"BODY[4.2.HEADER]"),
        (b"BODY[3.TEXT]", BodySection(Section((3,), "TEXT")), b"BODY[3.TEXT]"),
        (
            b"BODY.PEEK[HEADER.FIELDS (From To Message-ID)]",
            BodySection(Section((), "HEADER.FIELDS", ("From", "To", "Message-ID")), True),
            b"BODY[HEADER.FIELDS (From To Message-ID)]",
        ),
        (
            b'BODY[1.HEADER.FIELDS.NOT ("Subject" {4}\r\nDate)]',
            BodySection(Section((1,), "HEADER.FIELDS.NOT", ("Subject", "Date"))),
            b"BODY[1.HEADER.FIELDS.NOT (Subject Date)]",
        ),
        (b"BINARY[]", BinarySection(()), b"BINARY[]"),
        (
            b"BINARY.PEEK[1.2]<0.100>",
            BinarySection((1, 2), True, Partial(0, 100)),
            b"BINARY[1.2]<0>",
        ),
        (b"BINARY.SIZE[3]", BinarySize((3,)), b"BINARY.SIZE[3]"),
    ],
)
def test_sections_partials_and_their_response_names(item, attribute, response_name):
    parsed = attributes_of(item)
    assert parsed == (attribute,)
    assert parsed[0].response_name == response_name


def test_seen_side_effect_follows_peek_and_item_kind():
    seen = {
        attr.response_name: attr.sets_seen
        for attr in attributes_of(
            b"(BODY[] BODY.PEEK[1] BINARY[2] BINARY.PEEK[3] RFC822 RFC822.TEXT RFC822.HEADER FLAGS)"
        )
    }
    assert seen == {
        b"BODY[]": True,
        b"BODY[1]": False,
        b"BINARY[2]": True,
        b"BINARY[3]": False,
        b"RFC822": True,
        b"RFC822.TEXT": True,
        b"RFC822.HEADER": False,
        b"FLAGS": False,
    }


def test_duplicate_items_are_fetched_once():
    assert attributes_of(b"(UID FLAGS UID)") == (FetchItem("UID"), FetchItem("FLAGS"))


def test_uid_fetch_with_changedsince_and_vanished():
    command = parse(b"a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n")
    assert command == FetchCommand(
        "a", SequenceSet.parse("300:500"), (FetchItem("FLAGS"),), True, 12345, True
    )
    assert parse(b"a FETCH 1 FLAGS (CHANGEDSINCE 7)\r\n").changed_since == 7


@pytest.mark.parametrize(
    "items",
    [
        b"",
        b"()",
        b"FOO",
        b"(ALL)",
        b"BODY[",
        b"BODY[HEADER",
        b"BODY[0]",
        b"BODY[MIME]",
        b"BODY[1.]",
        b"BODY[1.FOO]",
        b"BODY[HEADER.FIELDS]",
        b"BODY[HEADER.FIELDS ()]",
        b"BODY[HEADER.FIELDS (Bad:Name)]",
        b"BODY[]<0>",
        b"BODY[]<0.0>",
        b"BODY[]<a.1>",
        b"BINARY[TEXT]",
        b"BINARY.SIZE[1]<0.1>",
        b"UID[1]",
        b"BODY.PEEK",
        b"(UID FLAGS",
        b"UID FLAGS)",
        b"(UID) (FOO 1)",
        b"FLAGS (CHANGEDSINCE)",
        b"FLAGS (VANISHED)",
        b"FLAGS (CHANGEDSINCE 1 VANISHED)",
    ],
)
def test_fetch_errors_carry_the_tag(items):
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"f7 FETCH 1 " + items + b"\r\n")
    assert excinfo.value.tag == "f7"


def test_fetch_needs_a_valid_sequence_set():
    for bad in (b"0", b"1:", b"x", b"1,,2", b"4294967296"):
        with pytest.raises(ParseError) as excinfo:
            parse_command(b"f FETCH " + bad + b" FLAGS\r\n")
        assert excinfo.value.tag == "f"
