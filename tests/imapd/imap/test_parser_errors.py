"""Malformed commands: each is a ParseError carrying the tag whenever it could be read."""

from __future__ import annotations

import pytest

from imapd.imap.commands import LoginCommand
from imapd.imap.framing import AssembledCommand
from imapd.imap.parser import ParseError, parse_command, parse_sasl_response


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        (b"a1 FROB INBOX\r\n", "Unknown command"),
        (b"a1 UID NOOP\r\n", "Unknown command"),
        (b"a1 UID\r\n", "Missing command after UID"),
        (b"a1\r\n", "Missing command"),
        (b"a1 (NOOP)\r\n", "Unknown command"),
        (b"a1 SELECT\r\n", "Missing argument"),
        (b"a1 SELECT \r\n", "Missing argument"),
        (b"a1 COPY 1:2\r\n", "Missing argument"),
        (b"a1 FETCH x FLAGS\r\n", "Expected a sequence set"),
        (b"a1 FETCH 1:0 FLAGS\r\n", "Invalid sequence set: sequence numbers start at 1"),
        (b"a1 SEARCH BEFORE 1-Jan-24\r\n", "Invalid date"),
        (b"a1 SEARCH SINCE 32-Jan-2024\r\n", "Invalid date"),
        (b"a1 STATUS INBOX (MESSAGES\r\n", "Missing )"),
        (b"a1 STATUS INBOX MESSAGES)\r\n", "Expected ("),
        (b"a1 SEARCH (SEEN))\r\n", "Expected a space"),
        (b'a1 LOGIN "unterminated\r\n', "Invalid quoted string"),
        (b'a1 LOGIN "bad\\escape" x\r\n', "Invalid quoted string"),
        (b"a1 LOGIN {10}\r\nshort\r\n", "Truncated literal"),
        (b"a1 LOGIN {5x}\r\nalice pw\r\n", "Invalid literal"),
        (b"a1 LOGIN alice pw extra\r\n", "Unexpected extra arguments"),
        (b"a1 LOGIN alice \xff\xfe\r\n", "Password is not valid UTF-8"),
        (b"a1 NOOP\r\nx\r\n", "Unexpected extra arguments"),
    ],
)
def test_errors_carry_tag_and_reason(wire, message):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    error = excinfo.value
    assert (error.tag, error.message, error.status) == ("a1", message, "BAD")


@pytest.mark.parametrize(
    "wire",
    [b"", b"\r\n", b"   \r\n", b" a1 NOOP\r\n", b"+ NOOP\r\n", b"(a) NOOP\r\n", b'"a" NOOP\r\n'],
)
def test_lines_without_a_valid_tag_have_no_tag(wire):
    with pytest.raises(ParseError) as excinfo:
        parse_command(wire)
    assert excinfo.value.tag is None


def test_an_eight_bit_tag_is_not_a_tag():
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"t\xc3\xa9 NOOP\r\n")
    assert excinfo.value.tag is None


def test_literal_that_disagrees_with_the_framing_is_rejected():
    # The framing recorded no literal, so `{3}` followed by a line break is not one.
    assembled = AssembledCommand(b"a1 LOGIN {3}\r\nabc pw", (), "a1")
    with pytest.raises(ParseError) as excinfo:
        parse_command(assembled)
    assert excinfo.value.message == "Literal does not match the framing"
    good = AssembledCommand(b"a1 LOGIN {3}\r\nabc pw", ((14, 17),), "a1")
    command = parse_command(good)
    assert isinstance(command, LoginCommand)
    assert command.username == "abc"


def test_parse_error_repr_names_tag_and_message():
    error = ParseError("a1", "Unknown command")
    assert repr(error) == "ParseError(tag='a1', message='Unknown command', code=None)"
    assert str(error) == "Unknown command"


def test_error_messages_do_not_echo_long_client_input():
    for wire in (
        b"a FETCH " + b"1" * 10_000 + b" FLAGS\r\n",
        b"a SEARCH " + b"X" * 10_000 + b"\r\n",
        b"a FETCH 1 " + b"Y" * 10_000 + b"\r\n",
    ):
        with pytest.raises(ParseError) as excinfo:
            parse_command(wire)
        assert len(excinfo.value.message) < 80


def test_sasl_responses_decode_cancel_or_fail_with_the_command_tag():
    assert parse_sasl_response(b"AGFsaWNlAHB3\r\n", "a1") == b"\x00alice\x00pw"
    assert parse_sasl_response(b"\r\n", "a1") == b""
    assert parse_sasl_response(b"*\r\n", "a1") is None
    for bad in (b"abc\r\n", b"ab!c\r\n", b"AGFs aWNl\r\n"):
        with pytest.raises(ParseError) as excinfo:
            parse_sasl_response(bad, "a1")
        assert excinfo.value.tag == "a1"
