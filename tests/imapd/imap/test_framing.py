"""Command assembly from lines and literals, and its limits."""

from __future__ import annotations

from typing import Any

import pytest

from imapd.imap.framing import (
    AssembledCommand,
    CommandAssembler,
    LineTooLong,
    LiteralRequest,
    LiteralTooBig,
    extract_tag,
    is_idle_done,
)


def make(**overrides: Any) -> CommandAssembler:
    options: dict[str, Any] = {"max_line_length": 200, "max_literal_size": 1000}
    options.update(overrides)
    return CommandAssembler(**options)


def test_line_without_literal_is_a_complete_command():
    result = make().feed_line(b"a1 NOOP\r\n")
    assert result == AssembledCommand(b"a1 NOOP", (), "a1")


def test_bare_lf_is_accepted_like_crlf():
    assembler = make()
    assert assembler.feed_line(b"a1 NOOP\n") == AssembledCommand(b"a1 NOOP", (), "a1")
    request = assembler.feed_line(b"a2 LOGIN {3}\n")
    assert request == LiteralRequest(3, synchronising=True)
    assembler.feed_literal(b"bob")
    command = assembler.feed_line(b" pw\n")
    assert isinstance(command, AssembledCommand)
    assert command.data == b"a2 LOGIN {3}\r\nbob pw"


def test_synchronising_literal_is_inlined_with_its_boundaries():
    assembler = make()
    request = assembler.feed_line(b"a1 LOGIN {5}\r\n")
    assert request == LiteralRequest(5, synchronising=True, binary=False)
    assert assembler.pending_literal == request
    assembler.feed_literal(b"al\r\nc")
    command = assembler.feed_line(b" {2+}\r\n")
    assert command == LiteralRequest(2, synchronising=False)
    assembler.feed_literal(b"pw")
    command = assembler.feed_line(b"\r\n")
    assert isinstance(command, AssembledCommand)
    assert command.data == b"a1 LOGIN {5}\r\nal\r\nc {2+}\r\npw"
    assert command.literals == ((14, 19), (26, 28))
    assert command.data[14:19] == b"al\r\nc"
    assert command.tag == "a1"
    assert not assembler.in_command


def test_literal8_is_flagged_binary():
    request = make().feed_line(b"a1 APPEND INBOX ~{4}\r\n")
    assert request == LiteralRequest(4, synchronising=True, binary=True)


def test_line_too_long_carries_the_tag():
    with pytest.raises(LineTooLong) as excinfo:
        make(max_line_length=20).feed_line(b"x9 SEARCH " + b"A" * 30 + b"\r\n")
    assert excinfo.value.tag == "x9"
    assert excinfo.value.status == "BAD"


def test_too_big_synchronising_literal_is_refused_without_losing_sync():
    assembler = make(max_literal_size=10)
    with pytest.raises(LiteralTooBig) as excinfo:
        assembler.feed_line(b"a1 APPEND INBOX {11}\r\n")
    error = excinfo.value
    assert (error.tag, error.size, error.status, error.code) == ("a1", 11, "NO", "TOOBIG")
    assert not error.fatal
    # The client never sent the octets: the next line is a new command.
    assert assembler.feed_line(b"a2 NOOP\r\n") == AssembledCommand(b"a2 NOOP", (), "a2")


def test_too_big_non_synchronising_literal_closes_the_connection_by_default():
    with pytest.raises(LiteralTooBig) as excinfo:
        make(max_literal_size=10).feed_line(b"a1 APPEND INBOX {11+}\r\n")
    assert excinfo.value.fatal
    assert excinfo.value.status == "BAD"


def test_too_big_non_synchronising_literal_can_be_discarded_instead():
    assembler = make(max_literal_size=10, max_discard_size=100)
    request = assembler.feed_line(b"a1 APPEND INBOX {50+}\r\n")
    assert request == LiteralRequest(50, synchronising=False, discard=True)
    with pytest.raises(RuntimeError):
        assembler.feed_literal(b"x" * 50)
    assembler.skip_literal()
    with pytest.raises(LiteralTooBig) as excinfo:
        assembler.feed_line(b"\r\n")
    assert excinfo.value.tag == "a1"
    assert not excinfo.value.fatal
    assert assembler.feed_line(b"a2 NOOP\r\n") == AssembledCommand(b"a2 NOOP", (), "a2")


def test_literal_minus_limits_non_synchronising_literals_to_4096_octets():
    assembler = make(max_literal_size=10_000, literal_minus=True)
    assert assembler.feed_line(b"a1 X {4096+}\r\n") == LiteralRequest(4096, False)
    assembler.reset()
    with pytest.raises(LiteralTooBig) as excinfo:
        assembler.feed_line(b"a1 X {4097+}\r\n")
    assert excinfo.value.fatal
    # A synchronising literal of the same size is fine: the client waits for `+`.
    assert assembler.feed_line(b"a2 X {4097}\r\n") == LiteralRequest(4097, True)


def test_command_size_limit_counts_every_line_and_literal():
    assembler = make(max_literal_size=100, max_command_size=40)
    assembler.feed_line(b"a1 APPEND INBOX {10}\r\n")
    assembler.feed_literal(b"x" * 10)
    with pytest.raises(LiteralTooBig):
        assembler.feed_line(b" {20}\r\n")


def test_feeding_the_wrong_number_of_literal_octets_is_a_programming_error():
    assembler = make()
    assembler.feed_line(b"a1 LOGIN {3}\r\n")
    with pytest.raises(ValueError, match="expected 3"):
        assembler.feed_literal(b"ab")
    with pytest.raises(RuntimeError):
        assembler.feed_line(b"more\r\n")


def test_braces_inside_a_line_are_not_literals():
    command = make().feed_line(b'a1 SELECT "{3}x"\r\n')
    assert isinstance(command, AssembledCommand)
    assert command.literals == ()


def test_blank_line_is_reported_as_blank():
    command = make().feed_line(b"\r\n")
    assert isinstance(command, AssembledCommand)
    assert command.is_blank
    assert command.tag is None


@pytest.mark.parametrize(
    ("line", "tag"),
    [
        (b"a1 NOOP", "a1"),
        (b"*a NOOP", None),
        (b"+x NOOP", None),
        (b"ONLYTAG", "ONLYTAG"),
        (b"t] X", "t]"),
    ],
)
def test_extract_tag_follows_the_tag_grammar(line, tag):
    assert extract_tag(line) == tag


@pytest.mark.parametrize(
    ("line", "done"),
    [(b"DONE\r\n", True), (b"done\n", True), (b"DONE  \r\n", True), (b"a1 DONE\r\n", False)],
)
def test_idle_ends_with_done_in_any_case(line, done):
    assert is_idle_done(line) is done
